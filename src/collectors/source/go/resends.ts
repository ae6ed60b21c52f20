// shared-producer-message in Go: one Sarama ProducerMessage sent to two producers, listed twice in one
// batch, or re-sent in a retry loop. A name rebound to a new message between two sends is not one message.
// The failed message read from an AsyncProducer's Errors() and put back (p.Input() <- perr.Msg) is not
// reported: Sarama clears its state (flags, retries, sequence number) before it returns an error.
import type { Library } from '../../../types.js';
import type { MessageResend, Site } from '../types.js';
import { text, type Func, type GoFile } from './common.js';
import { fieldOf, findAll, type GNode } from './tree.js';

export function resendsIn(f: GoFile, fn: Func, site: (n: GNode, fn: Func, library: Library) => Site): MessageResend[] {
  const out: MessageResend[] = [];
  const sends = findAll(
    fn.body!,
    (n) => {
      if (n.type === 'call_expression') {
        const callee = fieldOf(n, 'function');
        return callee?.type === 'selector_expression' && text(f, callee.kids[1]!) === 'SendMessage';
      }
      return n.type === 'send_statement' && /\.Input\(\)$/.test(text(f, n.kids[0]!));
    },
    (n) => n.type === 'func_literal',
  );
  for (const lit of findAll(
    fn.body!,
    (n) => n.type === 'composite_literal' && /ProducerMessage/.test(text(f, fieldOf(n, 'type') ?? n)),
    (n) => n.type === 'func_literal',
  )) {
    const elements = findAll(lit, (n) => n.type === 'literal_element' && n.kids[0]?.type === 'identifier' && n.parent?.parent === lit).map((n) =>
      text(f, n.kids[0]!),
    );
    const twice = elements.find((e, i) => elements.indexOf(e) !== i);
    if (twice) out.push({ ...site(lit, fn, 'sarama'), message: twice, how: 'listed-twice', firstLine: lit.line });
  }
  const seen = new Map<string, { producer: string; line: number; end: number }>();
  // `msg = &sarama.ProducerMessage{…}` (or msg := …) rebinds the name to a new message: not the one sent before
  const rebinds = (msg: string) =>
    findAll(
      fn.body!,
      (x) =>
        (x.type === 'short_var_declaration' || x.type === 'assignment_statement') &&
        (fieldOf(x, 'left')?.kids ?? []).some((k) => k.type === 'identifier' && text(f, k) === msg),
      (x) => x.type === 'func_literal',
    );
  for (const s of sends) {
    const isCall = s.type === 'call_expression';
    const msgNode = isCall ? fieldOf(s, 'arguments')?.kids[0] : s.kids[1];
    if (msgNode?.type !== 'identifier') continue;
    const msg = text(f, msgNode);
    const producer = isCall ? text(f, fieldOf(s, 'function')!.kids[0]!) : text(f, s.kids[0]!).replace(/\.Input\(\)$/, '');
    const first = seen.get(msg);
    if (first && rebinds(msg).some((r) => r.start >= first.end && r.end <= s.start)) {
      seen.set(msg, { producer, line: s.line, end: s.end });
      continue;
    }
    if (first && first.producer !== producer) {
      out.push({ ...site(s, fn, 'sarama'), message: msg, how: 'two-producers', firstLine: first.line });
      continue;
    }
    seen.set(msg, { producer, line: s.line, end: s.end });
    // re-sent in a retry loop: the message is built outside the loop that sends it
    for (let p = s.parent; p && p !== fn.body; p = p.parent) {
      if (p.type !== 'for_statement') continue;
      if (p.kids.some((k) => k.field !== 'body' && findAll(k, (x) => x.type === 'identifier' && text(f, x) === msg).length)) break;
      const body = fieldOf(p, 'body');
      const rebuilt =
        body &&
        findAll(
          body,
          (x) =>
            (x.type === 'short_var_declaration' || x.type === 'assignment_statement') &&
            text(f, fieldOf(x, 'left') ?? x)
              .split(/\s*,\s*/)
              .includes(msg),
        ).length;
      // a retry loop: it leaves on success, or goes round again on an error (a throughput loop that resends on success is not one)
      const retries = body && /err\s*==\s*nil\s*\{\s*(?:\/\/[^\n]*\n\s*)*(break|return)\b|err\s*!=\s*nil\s*\{[^}]*\bcontinue\b/.test(text(f, body));
      if (!rebuilt && retries) out.push({ ...site(s, fn, 'sarama'), message: msg, how: 'retry', firstLine: s.line });
      break;
    }
  }
  return out;
}
