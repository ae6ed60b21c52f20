// Orders the versions of the ecosystems the advisories name: SemVer (Go modules, npm), PEP 440 (PyPI),
// Maven's and librdkafka's dotted numbers. One comparison serves them all for the versions Kafka clients
// release: numeric parts compared as numbers, a pre-release (-rc1, b2, .M1, -SNAPSHOT) before its release,
// a Go pseudo-version (0.0.0-20250401214520-65e299d6c5c9) before the release it precedes.

type Part = number | string;

function parse(version: string): { release: number[]; pre: Part[] | undefined } {
  const v = version.trim().replace(/^v/, '').replace(/\+.*$/, '');
  const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(v);
  if (!m) return { release: [], pre: [v] };
  const release = m[1]!.split('.').map(Number);
  let rest = m[2]!;
  // Maven/PEP 440 final markers are the release itself
  rest = rest.replace(/^[.-]?(final|ga|release)$/i, '');
  // PEP 440 post-releases and Maven's "-1" build numbers sort after the release: treat as extra release parts
  const post = /^[.-]?(?:post|r|rev)?(\d+)$/i.exec(rest);
  if (post) return { release: [...release, Number(post[1])], pre: undefined };
  if (!rest) return { release, pre: undefined };
  const pre = rest
    .replace(/^[.-]/, '')
    .split(/[.-]|(?<=\D)(?=\d)|(?<=\d)(?=\D)/)
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.toLowerCase()));
  return { release, pre };
}

function comparePre(a: Part[], b: Part[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1;
    } else if (typeof x === 'number') return -1;
    else if (typeof y === 'number') return 1;
    else if (x !== y) {
      // known pre-release words in their usual order, anything else alphabetically
      const order = ['dev', 'snapshot', 'alpha', 'a', 'beta', 'b', 'milestone', 'm', 'rc', 'c', 'cr', 'pre', 'preview'];
      const ox = order.indexOf(x);
      const oy = order.indexOf(y);
      if (ox >= 0 && oy >= 0 && ox !== oy) return ox < oy ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** <0 when a is older than b, 0 when equal, >0 when newer. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const p = x.release[i] ?? 0;
    const q = y.release[i] ?? 0;
    if (p !== q) return p < q ? -1 : 1;
  }
  if (!x.pre && !y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return comparePre(x.pre, y.pre);
}
