// The Kafka constructors of the JVM libraries, resolved through a file's imports (or written fully
// qualified): kafka-clients' KafkaProducer, KafkaConsumer and Admin/AdminClient.create, and Spring Kafka's
// DefaultKafkaProducerFactory (which builds a KafkaProducer on first use and keeps it until destroy()).
import type { Library } from '../../../types.js';
import type { ClientKind } from '../types.js';
import { text, type JavaFile } from './common.js';
import { fieldOf, type GNode } from '../go/tree.js';

export interface JavaCtor {
  library: Library;
  kind: ClientKind;
  /** the package the class is in */
  pkg: string;
}

/** `new X<>(…)` */
const classes: Record<string, JavaCtor> = {
  KafkaProducer: { library: 'kafka-clients', kind: 'producer', pkg: 'org.apache.kafka.clients.producer' },
  KafkaConsumer: { library: 'kafka-clients', kind: 'consumer', pkg: 'org.apache.kafka.clients.consumer' },
  DefaultKafkaProducerFactory: { library: 'spring-kafka', kind: 'producer', pkg: 'org.springframework.kafka.core' },
};
/** `X.create(…)` */
const factories: Record<string, JavaCtor> = {
  Admin: { library: 'kafka-clients', kind: 'admin', pkg: 'org.apache.kafka.clients.admin' },
  AdminClient: { library: 'kafka-clients', kind: 'admin', pkg: 'org.apache.kafka.clients.admin' },
};

/** The text a package must contain for its files to be analysed. */
export const javaKafkaPackages = /\borg\.(apache\.kafka|springframework\.kafka)\b/;

/** Imports of one file: simple name → package (single-type imports), and the packages imported with .* */
export interface JavaImports {
  types: Map<string, string>;
  wildcards: Set<string>;
}

export function importsOf(f: JavaFile): JavaImports {
  const types = new Map<string, string>();
  const wildcards = new Set<string>();
  for (const d of f.root.kids.filter((k) => k.type === 'import_declaration')) {
    const m = /^import\s+(static\s+)?([\w.]+?)(\.\*)?\s*;/.exec(text(f, d).replace(/\s+/g, ' '));
    if (!m || m[1]) continue;
    if (m[3]) wildcards.add(m[2]!);
    else {
      const dot = m[2]!.lastIndexOf('.');
      types.set(m[2]!.slice(dot + 1), m[2]!.slice(0, dot));
    }
  }
  return { types, wildcards };
}

/** A type as written (generic arguments dropped) → the Kafka class it names, if it does. */
function resolve(written: string, table: Record<string, JavaCtor>, imports: JavaImports): { name: string; ctor: JavaCtor } | undefined {
  const plain = written.replace(/<[\s\S]*$/, '').replace(/\s+/g, '');
  const dot = plain.lastIndexOf('.');
  const name = plain.slice(dot + 1);
  const ctor = table[name];
  if (!ctor) return undefined;
  if (dot >= 0) return plain.slice(0, dot) === ctor.pkg ? { name, ctor } : undefined;
  return imports.types.get(name) === ctor.pkg || (!imports.types.has(name) && imports.wildcards.has(ctor.pkg)) ? { name, ctor } : undefined;
}

/** The Kafka client a `new …` or `….create(…)` node builds, with the constructor as written. */
export function ctorOf(f: JavaFile, n: GNode, imports: JavaImports): { ctor: JavaCtor; callee: string } | undefined {
  if (n.type === 'object_creation_expression') {
    const type = fieldOf(n, 'type');
    if (!type || n.kids.some((k) => k.type === 'class_body')) return undefined;
    const r = resolve(text(f, type), classes, imports);
    return r && { ctor: r.ctor, callee: `new ${r.name}` };
  }
  if (n.type === 'method_invocation') {
    const obj = fieldOf(n, 'object');
    const name = fieldOf(n, 'name');
    if (!obj || !name || text(f, name) !== 'create' || (obj.type !== 'identifier' && obj.type !== 'field_access')) return undefined;
    const r = resolve(text(f, obj), factories, imports);
    return r && { ctor: r.ctor, callee: `${r.name}.create` };
  }
  return undefined;
}

/** `new KafkaTemplate<>(…)`, resolved like the constructors. */
export function isTemplate(f: JavaFile, n: GNode | undefined, imports: JavaImports): boolean {
  if (n?.type !== 'object_creation_expression') return false;
  const type = fieldOf(n, 'type');
  return !!type && !!resolve(text(f, type), { KafkaTemplate: { library: 'spring-kafka', kind: 'producer', pkg: 'org.springframework.kafka.core' } }, imports);
}
