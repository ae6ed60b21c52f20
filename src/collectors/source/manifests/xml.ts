// A small XML reader for pom.xml: elements (with the line of each start tag) and their text; attributes,
// comments, processing instructions, CDATA and the DOCTYPE are understood and dropped. Mismatched tags are an
// error, so a broken pom is reported rather than half read.
import { ManifestError, lineOf, lineStarts } from './common.js';

export interface XmlElement {
  /** the local name (a prefix "m:" dropped) */
  name: string;
  line: number;
  children: XmlElement[];
  /** the element's own text, entities decoded, trimmed */
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9A-Fa-f]+|#\d+|\w+);/g, (all, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (entities[e] ?? all),
  );
const namePattern = /[A-Za-z_:][\w.:-]*/y;

export function parseXml(text: string): XmlElement {
  const starts = lineStarts(text);
  const fail = (what: string, at: number): never => {
    throw new ManifestError(`not valid XML: ${what} at line ${lineOf(starts, at)}`);
  };
  const stack: { el: XmlElement; raw: string; text: string }[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (stack.length > 0) stack[stack.length - 1]!.text += chunk;
    else if (chunk.trim() !== '') fail('text outside the root element', i);
    if (lt === -1) break;
    i = lt;
    const skipTo = (end: string, what: string) => {
      const j = text.indexOf(end, i);
      if (j === -1) fail(`unterminated ${what}`, i);
      const inner = text.slice(i, j);
      i = j + end.length;
      return inner;
    };
    if (text.startsWith('<!--', i)) skipTo('-->', 'comment');
    else if (text.startsWith('<![CDATA[', i)) {
      const inner = skipTo(']]>', 'CDATA section').slice('<![CDATA['.length);
      if (stack.length === 0) fail('CDATA outside the root element', lt);
      // kept apart from decoding: append already-decoded text by marking it
      stack[stack.length - 1]!.text += inner.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    } else if (text.startsWith('<?', i)) skipTo('?>', 'processing instruction');
    else if (text.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in brackets
      const bracket = text.indexOf('[', i);
      const close = text.indexOf('>', i);
      if (bracket !== -1 && close !== -1 && bracket < close) {
        i = bracket;
        skipTo(']', 'DOCTYPE');
      }
      skipTo('>', 'DOCTYPE');
    } else if (text.startsWith('</', i)) {
      namePattern.lastIndex = i + 2;
      const m = namePattern.exec(text);
      if (!m) fail('bad end tag', i);
      const top = stack.pop();
      if (!top || top.raw !== m![0]) fail(`</${m![0]}> does not close <${top?.raw ?? ''}>`, i);
      top!.el.text = decode(top!.text).trim();
      i += 2 + m![0].length;
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== '>') fail('bad end tag', i);
      i++;
    } else {
      namePattern.lastIndex = i + 1;
      const m = namePattern.exec(text);
      if (!m) fail('bad start tag', i);
      const raw = m![0];
      // to the tag's end, past quoted attribute values
      let j = i + 1 + raw.length;
      let quote: string | undefined;
      for (; j < text.length; j++) {
        const c = text[j];
        if (quote) {
          if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= text.length) fail('unterminated start tag', i);
      const selfClosing = text[j - 1] === '/';
      const el: XmlElement = { name: raw.slice(raw.indexOf(':') + 1), line: lineOf(starts, i), children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1]!.el.children.push(el);
      else if (root) fail('a second root element', i);
      else root = el;
      if (!selfClosing) stack.push({ el, raw, text: '' });
      i = j + 1;
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.raw}> is not closed`, text.length);
  if (!root) return fail('no root element', 0);
  return root;
}

export const child = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement | undefined, name: string) => el?.children.filter((c) => c.name === name) ?? [];
export const childText = (el: XmlElement | undefined, name: string) => child(el, name)?.text;
