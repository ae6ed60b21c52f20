// Writes a report file whole or not at all: a temporary file beside it, renamed into place.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';

export function writeFileAtomic(path: string, text: string): void {
  const temporary = `${path}.kleak-${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (cause) {
    rmSync(temporary, { force: true });
    throw new InputError(`The report could not be written to ${path}.`, { cause, hint: 'Check the path and the free space.' });
  }
}
