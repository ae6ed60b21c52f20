// pom.xml: <dependency> elements of the project and of its profiles (not plugins' dependencies, not
// exclusions). A version is taken as written, or through ${properties} of the pom and of its parents found in
// the tree (relativePath, by default ../pom.xml), or from a <dependencyManagement> entry there. A version
// managed outside the tree (Spring Boot's parent or an imported BOM) stays undefined and `declared` says who
// manages it — except the properties Spring Boot's parent lets a pom override (kafka.version,
// spring-kafka.version), which are the version then.
import { type ReadContext, ManifestError, dirOf, insideRoot, joinRel } from './common.js';
import { type XmlElement, child, childText, childrenNamed, parseXml } from './xml.js';

interface Coordinates {
  groupId?: string;
  artifactId?: string;
  version?: string;
}
interface DependencyElement extends Coordinates {
  artifactIdLine: number;
  versionLine?: number;
  scope?: string;
  type?: string;
}
interface Pom extends Coordinates {
  file: string;
  /** relativePath: undefined when absent (../pom.xml), '' when empty (no local parent) */
  parent?: Coordinates & { relativePath?: string };
  properties: Map<string, string>;
  dependencies: DependencyElement[];
  managed: DependencyElement[];
}

/** Spring Boot's parent reads these properties for the versions it manages */
const springBootVersionProperties: Record<string, string> = { 'org.apache.kafka': 'kafka.version', 'org.springframework.kafka': 'spring-kafka.version' };
const springBootParents = new Set(['spring-boot-starter-parent', 'spring-boot-dependencies']);

function dependencyElements(list: XmlElement | undefined): DependencyElement[] {
  return childrenNamed(list, 'dependency').flatMap((d) => {
    const artifact = child(d, 'artifactId');
    if (!artifact) return [];
    const version = child(d, 'version');
    return [
      {
        groupId: childText(d, 'groupId'),
        artifactId: artifact.text,
        artifactIdLine: artifact.line,
        ...(version ? { version: version.text, versionLine: version.line } : {}),
        scope: childText(d, 'scope'),
        type: childText(d, 'type'),
      },
    ];
  });
}

export class PomReader {
  private readonly poms = new Map<string, Pom | undefined>();
  constructor(private readonly ctx: ReadContext) {}

  pom(file: string): Pom | undefined {
    if (this.poms.has(file)) return this.poms.get(file);
    this.poms.set(file, undefined);
    const text = this.ctx.read(file);
    if (text === undefined) return undefined;
    let project: XmlElement;
    try {
      project = parseXml(text);
      if (project.name !== 'project') throw new ManifestError(`the root element is <${project.name}>, not <project>`);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      this.ctx.warn(file, `${error.message}: skipped`);
      return undefined;
    }
    const parentEl = child(project, 'parent');
    const relativePath = child(parentEl, 'relativePath');
    const profiles = childrenNamed(child(project, 'profiles'), 'profile');
    const pom: Pom = {
      file,
      groupId: childText(project, 'groupId'),
      artifactId: childText(project, 'artifactId'),
      version: childText(project, 'version'),
      ...(parentEl
        ? {
            parent: {
              groupId: childText(parentEl, 'groupId'),
              artifactId: childText(parentEl, 'artifactId'),
              version: childText(parentEl, 'version'),
              ...(relativePath ? { relativePath: relativePath.text } : {}),
            },
          }
        : {}),
      properties: new Map(
        [child(project, 'properties'), ...profiles.map((p) => child(p, 'properties'))].flatMap(
          (props) => props?.children.map((p) => [p.name, p.text] as const) ?? [],
        ),
      ),
      dependencies: [child(project, 'dependencies'), ...profiles.map((p) => child(p, 'dependencies'))].flatMap(dependencyElements),
      managed: [child(project, 'dependencyManagement'), ...profiles.map((p) => child(p, 'dependencyManagement'))].flatMap((m) =>
        dependencyElements(child(m, 'dependencies')),
      ),
    };
    this.poms.set(file, pom);
    return pom;
  }

  /** the pom, its parents found in the tree (nearest first), and the first parent that is not */
  private chain(pom: Pom): { chain: Pom[]; external?: Coordinates } {
    const chain = [pom];
    for (let p = pom; p.parent && chain.length < 20;) {
      const parent = p.parent;
      let local: Pom | undefined;
      if (parent.relativePath !== '') {
        let path = joinRel(dirOf(p.file), parent.relativePath ?? '../pom.xml');
        if (!path.endsWith('.xml')) path = joinRel(path, 'pom.xml');
        if (insideRoot(path) && this.ctx.exists(path)) {
          const candidate = this.pom(path);
          if (candidate && candidate.artifactId === parent.artifactId && !chain.includes(candidate)) local = candidate;
        }
      }
      if (!local) return { chain, external: parent };
      chain.push(local);
      p = local;
    }
    return { chain };
  }

  read(file: string) {
    const pom = this.pom(file);
    if (!pom) return;
    const { chain, external } = this.chain(pom);
    const properties = new Map<string, string>();
    for (const p of [...chain].reverse()) for (const [k, v] of p.properties) properties.set(k, v);
    const builtIn: Record<string, string | undefined> = {
      'project.groupId': pom.groupId ?? pom.parent?.groupId,
      'project.artifactId': pom.artifactId,
      'project.version': pom.version ?? pom.parent?.version,
      'project.parent.groupId': pom.parent?.groupId,
      'project.parent.artifactId': pom.parent?.artifactId,
      'project.parent.version': pom.parent?.version,
    };
    builtIn['pom.version'] = builtIn['version'] = builtIn['project.version'];
    builtIn['parent.version'] = builtIn['project.parent.version'];
    const interpolate = (s: string) => {
      for (let round = 0; round < 10 && s.includes('${'); round++) {
        s = s.replace(/\$\{([^}]+)\}/g, (all, name: string) => properties.get(name) ?? builtIn[name] ?? all);
      }
      return s;
    };
    const resolved = (raw: string) => {
      const v = interpolate(raw);
      return v.includes('${') || /^[[(]/.test(v) || v === '' ? undefined : v;
    };
    const imports = chain.flatMap((p) => p.managed.filter((m) => m.scope === 'import' && m.type === 'pom' && m.artifactId));

    for (const d of pom.dependencies) {
      const groupId = interpolate(d.groupId ?? '');
      const name = `${groupId}:${interpolate(d.artifactId ?? '')}`;
      if (!this.ctx.wanted('Maven', name)) continue;
      const base = { ecosystem: 'Maven' as const, name, file, direct: true };
      if (d.version !== undefined) {
        const literal = !d.version.includes('${');
        this.ctx.add({ ...base, version: resolved(d.version), declared: d.version, line: literal ? d.versionLine! : d.artifactIdLine });
        continue;
      }
      const managed = chain
        .flatMap((p) => p.managed)
        .find((m) => m.scope !== 'import' && m.version !== undefined && `${interpolate(m.groupId ?? '')}:${interpolate(m.artifactId ?? '')}` === name);
      if (managed) {
        this.ctx.add({ ...base, version: resolved(managed.version!), declared: managed.version!, line: d.artifactIdLine });
        continue;
      }
      const boms = imports.filter((m) => groupId.startsWith(m.groupId ?? '\0') || /kafka|spring-boot/.test(m.artifactId!));
      const managers = (boms.length > 0 ? boms : imports).map((m) => `${m.artifactId} ${interpolate(m.version ?? '')}`.trim());
      if (managers.length > 0) {
        this.ctx.add({ ...base, declared: `managed by ${managers.join(' or ')}`, line: d.artifactIdLine });
        continue;
      }
      if (external?.artifactId) {
        const property = springBootParents.has(external.artifactId) ? springBootVersionProperties[groupId] : undefined;
        const overridden = property !== undefined && properties.has(property) ? resolved(properties.get(property)!) : undefined;
        this.ctx.add({ ...base, version: overridden, declared: `managed by ${external.artifactId} ${external.version ?? ''}`.trim(), line: d.artifactIdLine });
        continue;
      }
      this.ctx.add({ ...base, line: d.artifactIdLine });
    }
  }
}
