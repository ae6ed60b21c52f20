// Structure-aware mutations for the parsers' fuzz tests: each takes a real input and damages it the way
// real inputs get damaged — cut at a boundary of the format, a header field of another type, numbers
// huge or negative, bad escapes, other encodings and line endings, runs of one character.
import fc from 'fast-check';

export interface Mutation {
  kind: string;
  apply: (input: string) => string;
}

const boundaries = /[\n,:{}[\]" ]/g;

/** cut at a random boundary of the format (after a newline, comma, colon, bracket, quote or space) */
const truncate = fc.nat().map<Mutation>((n) => ({
  kind: 'truncate at a boundary',
  apply: (s) => {
    const at = [...s.matchAll(boundaries)].map((m) => m.index);
    return at.length ? s.slice(0, at[n % at.length]! + 1) : s.slice(0, n % (s.length + 1));
  },
}));

const numbers = ['-1', '0', '4294967296', '1e12', '1e300', '9'.repeat(400), 'NaN', '0.5', '-0', '18446744073709551616'];
/** replace one number of the input with a huge, negative or fractional one */
const number = fc.tuple(fc.nat(), fc.constantFrom(...numbers)).map<Mutation>(([n, v]) => ({
  kind: 'number swapped',
  apply: (s) => {
    const all = [...s.matchAll(/-?\d+/g)];
    if (all.length === 0) return s;
    const m = all[n % all.length]!;
    return s.slice(0, m.index) + v + s.slice(m.index + m[0].length);
  },
}));

const values = ['"text"', '[]', '{}', 'null', 'true', '[1,[2]]', '"\\u12"', '-5'];
/** a JSON value (after a colon) replaced by one of another type */
const typeSwap = fc.tuple(fc.nat(), fc.constantFrom(...values)).map<Mutation>(([n, v]) => ({
  kind: 'type swapped',
  apply: (s) => {
    const all = [...s.matchAll(/:\s*("[^"]*"|-?\d+|\[[^\]]*\]|true|false|null)/g)];
    if (all.length === 0) return s;
    const m = all[n % all.length]!;
    return `${s.slice(0, m.index)}:${v}${s.slice(m.index + m[0].length)}`;
  },
}));

const escapes = ['\\x41', '\\u', '\\ud83d', '\\', '\u0001', '\\uZZZZ', '"'];
/** a bad escape or raw control character put inside a string */
const badEscape = fc.tuple(fc.nat(), fc.constantFrom(...escapes)).map<Mutation>(([n, e]) => ({
  kind: 'bad escape',
  apply: (s) => {
    const quotes = [...s.matchAll(/"/g)].map((m) => m.index);
    if (quotes.length === 0) return s + e;
    const at = quotes[n % quotes.length]! + 1;
    return s.slice(0, at) + e + s.slice(at);
  },
}));

/** the whole input in another encoding or with other line endings */
const encoding = fc.constantFrom<Mutation>(
  { kind: 'CRLF', apply: (s) => s.replace(/\n/g, '\r\n') },
  { kind: 'CR only', apply: (s) => s.replace(/\n/g, '\r') },
  { kind: 'leading blank lines', apply: (s) => `\n\n${s}` },
  { kind: 'UTF-8 BOM', apply: (s) => `\ufeff${s}` },
  { kind: 'UTF-16LE bytes read as text', apply: (s) => Buffer.from(s, 'utf16le').toString('latin1') },
  { kind: 'tabs for spaces', apply: (s) => s.replace(/ /g, '\t') },
);

/** a long run of one character class spliced in (what a quadratic regular expression chokes on) */
const run = fc
  .tuple(fc.nat(), fc.constantFrom('{', '(', ' ', '\t', 'a', '0', '#', '"', '\\'), fc.integer({ min: 1000, max: 200_000 }))
  .map<Mutation>(([n, c, length]) => ({
    kind: 'long run',
    apply: (s) => {
      const at = n % (s.length + 1);
      return s.slice(0, at) + c.repeat(length) + s.slice(at);
    },
  }));

/** one random byte flipped */
const flip = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map<Mutation>(([n, b]) => ({
  kind: 'byte flipped',
  apply: (s) => (s.length ? s.slice(0, n % s.length) + String.fromCharCode(b) + s.slice((n % s.length) + 1) : s),
}));

export const mutation = fc.oneof(truncate, number, typeSwap, badEscape, encoding, run, flip);
/** one to three mutations, applied in turn */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

export const applyAll = (input: string, list: Mutation[]) => list.reduce((s, m) => m.apply(s), input);

/** fixed seed and run counts for npm test; FUZZ_RUNS and FUZZ_SEED (bench/fuzz.mjs) run longer */
export const fuzzOptions = (runs: number) => ({
  seed: Number(process.env.FUZZ_SEED ?? 2026),
  numRuns: Number(process.env.FUZZ_RUNS ?? runs),
  interruptAfterTimeLimit: Number(process.env.FUZZ_BUDGET_MS ?? 20_000),
  markInterruptAsFailure: false,
});
