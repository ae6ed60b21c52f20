// A strict JSON parser that keeps where each object key is, so a dependency's line in package.json or a
// lock file is exact. Duplicate keys: the last wins, as with JSON.parse.
import { ManifestError } from './common.js';

export type JsonNode =
  | { kind: 'object'; offset: number; entries: Map<string, JsonEntry> }
  | { kind: 'array'; offset: number; items: JsonNode[] }
  | { kind: 'string'; offset: number; value: string }
  | { kind: 'scalar'; offset: number; value: number | boolean | null };
export interface JsonEntry {
  /** offset of the key's opening quote */
  keyOffset: number;
  value: JsonNode;
}

const maxDepth = 1000;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJson(text: string): JsonNode {
  let i = 0;
  const fail = (what: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    throw new ManifestError(`not valid JSON: ${what} at line ${line}`);
  };
  const skip = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const string = (): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in a string');
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    const raw = text.slice(start, i);
    if (!escaped) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return fail('bad escape in a string');
    }
  };
  const value = (depth: number): JsonNode => {
    if (depth > maxDepth) fail('nesting too deep');
    skip();
    const offset = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, JsonEntry>();
      skip();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', offset, entries };
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('expected a key');
        const keyOffset = i;
        const key = string();
        skip();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        entries.set(key, { keyOffset, value: value(depth + 1) });
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { kind: 'object', offset, entries };
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', offset, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', offset, items };
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return { kind: 'string', offset, value: string() };
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'scalar', offset, value: v };
      }
    }
    numberPattern.lastIndex = i;
    const m = numberPattern.exec(text);
    if (!m) return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    i += m[0].length;
    return { kind: 'scalar', offset, value: Number(m[0]) };
  };
  const root = value(0);
  skip();
  if (i < text.length) fail('content after the end');
  return root;
}

/** the entries of an object node, or an empty map */
export function entriesOf(node: JsonNode | undefined): Map<string, JsonEntry> {
  return node?.kind === 'object' ? node.entries : new Map<string, JsonEntry>();
}
/** the node at a path of object keys */
export function at(node: JsonNode | undefined, ...keys: string[]): JsonNode | undefined {
  for (const key of keys) node = entriesOf(node).get(key)?.value;
  return node;
}
export function stringAt(node: JsonNode | undefined, ...keys: string[]): string | undefined {
  const n = at(node, ...keys);
  return n?.kind === 'string' ? n.value : undefined;
}
