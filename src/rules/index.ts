// Every rule kleak runs, in one explicit list.
import type { AnyRule } from './define-rule.js';
import clientPerRequest from './client-per-request.js';
import closeWaitSockets from './close-wait-sockets.js';
import connectionsGrowing from './connections-growing.js';
import fdExhaustion from './fd-exhaustion.js';

export const rules: readonly AnyRule[] = [clientPerRequest, connectionsGrowing, closeWaitSockets, fdExhaustion] as AnyRule[];
