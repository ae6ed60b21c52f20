// The errors kleak expects: each one means "could not do what was asked" (exit 2) and carries a hint.
// Anything else that reaches the CLI is a bug in kleak (exit 3).

export interface KleakErrorOptions {
  cause?: unknown;
  hint?: string;
}

export class KleakError extends Error {
  readonly hint?: string;
  constructor(message: string, options: KleakErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad flags or configuration. */
export class UsageError extends KleakError {}

/** An unreadable or unparseable input, a process that is gone, a peer that does not answer. */
export class InputError extends KleakError {}

/** A command that exists in the design but is not built yet. */
export class NotImplementedError extends KleakError {}

/** Set-up around kleak is missing or broken (Java, Maven, broker jars, Go toolchain). */
export class SetupError extends KleakError {}

export function isKleakError(error: unknown): error is KleakError {
  return error instanceof KleakError;
}

/**
 * The fields of whatever was thrown, as strings (kafkajs errors, a proxy's odd answer, a thrown string,
 * null): never throws itself, so explaining an error cannot become a second error.
 */
export function errorFields(error: unknown): { name?: string; message: string; type?: string; code?: string; cause?: unknown } {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (error === null || typeof error !== 'object') return { message: describeCause(error) ?? String(error) };
  const e = error as Record<string, unknown>;
  const get = (k: string) => {
    try {
      return e[k];
    } catch {
      return undefined;
    }
  };
  return {
    name: text(get('name')),
    message: text(get('message')) ?? describeCause(error) ?? 'unknown error',
    type: text(get('type')),
    code: text(get('code')),
    cause: get('cause'),
  };
}

/** One line for a cause, without its stack. */
export function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  try {
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : String(cause.message);
    }
    if (typeof cause === 'string') return cause;
    return JSON.stringify(cause) ?? typeof cause;
  } catch {
    return typeof cause;
  }
}
