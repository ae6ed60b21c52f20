// Where kleak's own files are (the package root): the broker's pom, the demo's sample services.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/repo-root.js → the package root */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
