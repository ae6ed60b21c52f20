// go.mod: require lines (single and block form; "// indirect" marks a dependency the module does not import
// itself) and replace directives (module or module@version => module version, or => a local directory).
// The version in go.mod is the selected one for every module in the build list (Go 1.17+), so go.sum is not
// read.
import { type ReadContext, stripV } from './common.js';

interface Require {
  path: string;
  version: string;
  line: number;
  indirect: boolean;
}
interface Replace {
  old: string;
  oldVersion?: string;
  new: string;
  newVersion?: string;
}

/** splits a go.mod line into its words and its comment (quoted words unquoted) */
function words(line: string): { words: string[]; comment?: string } {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (line.startsWith('//', i)) {
      return { words: out, comment: line.slice(i + 2).trim() };
    } else if (c === '"' || c === '`') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) throw new Error('unterminated quote');
      out.push(c === '"' ? (JSON.parse(line.slice(i, end + 1)) as string) : line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '(' || c === ')') {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < line.length && !' \t\r()'.includes(line[j]!) && !line.startsWith('//', j)) j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return { words: out };
}

function lastOf<T>(items: T[], test: (item: T) => boolean): T | undefined {
  for (let n = items.length - 1; n >= 0; n--) if (test(items[n]!)) return items[n];
  return undefined;
}

const isLocalPath = (p: string) => p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p === '.' || p === '..';

export function readGoMod(ctx: ReadContext, file: string) {
  const text = ctx.read(file);
  if (text === undefined) return;
  const requires: Require[] = [];
  const replaces: Replace[] = [];
  let block: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let parsed;
    try {
      parsed = words(lines[n]!);
    } catch {
      ctx.warn(file, `line ${n + 1} is not valid go.mod syntax: skipped`);
      return;
    }
    let w = parsed.words;
    if (w.length === 0) continue;
    if (block !== undefined) {
      if (w[0] === ')') {
        block = undefined;
        continue;
      }
    } else {
      const verb = w[0]!;
      if (w[1] === '(') {
        block = verb;
        continue;
      }
      w = w.slice(1);
      if (verb !== 'require' && verb !== 'replace') continue;
      block = undefined;
      collect(verb, w, n + 1, parsed.comment);
      continue;
    }
    collect(block, w, n + 1, parsed.comment);
  }
  if (block !== undefined) {
    ctx.warn(file, `a "${block} (" block is not closed: skipped`);
    return;
  }

  function collect(verb: string, w: string[], line: number, comment: string | undefined) {
    if (verb === 'require' && w.length >= 2) {
      // the go command's rule: the comment is "indirect" or starts with "indirect;"
      requires.push({ path: w[0]!, version: w[1]!, line, indirect: comment !== undefined && /^indirect(;|$)/.test(comment) });
    } else if (verb === 'replace') {
      const arrow = w.indexOf('=>');
      if (arrow !== 1 && arrow !== 2) return;
      const target = w.slice(arrow + 1);
      if (target.length === 0) return;
      replaces.push({
        old: w[0]!,
        ...(arrow === 2 ? { oldVersion: w[1]! } : {}),
        new: target[0]!,
        ...(target.length > 1 && !isLocalPath(target[0]!) ? { newVersion: target[1]! } : {}),
      });
    }
  }

  for (const r of requires) {
    // a replace naming the version wins over one naming only the module, as in the go command
    const replace =
      lastOf(replaces, (p) => p.old === r.path && p.oldVersion === r.version) ?? lastOf(replaces, (p) => p.old === r.path && p.oldVersion === undefined);
    if (!ctx.wanted('Go', r.path, replace?.new)) continue;
    ctx.add({
      ecosystem: 'Go',
      name: r.path,
      version: stripV(r.version),
      file,
      line: r.line,
      ...(replace ? { replacedBy: { name: replace.new, ...(replace.newVersion ? { version: stripV(replace.newVersion) } : {}) } } : {}),
      direct: !r.indirect,
    });
  }
}
