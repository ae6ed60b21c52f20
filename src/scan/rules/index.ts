// Every rule of the static scan, in one explicit list. Ids are shared with the runtime rules where the
// pattern is the same, so a runtime finding and its line in the code meet under one id.
import type { AnyRule } from '../../rules/define-rule.js';
import { rules } from '../../rules/index.js';
import clientPerRequest from './client-per-request.js';
import clientNotClosed from './client-not-closed.js';
import producerClosedClientOpen from './producer-closed-client-open.js';
import recordsPinBuffers from './records-pin-buffers.js';
import sharedProducerMessage from './shared-producer-message.js';
import noGracefulShutdown from './no-graceful-shutdown.js';
import knownLibraryBug from './known-library-bug.js';

export const scanRules: readonly AnyRule[] = [
  clientPerRequest,
  clientNotClosed,
  producerClosedClientOpen,
  recordsPinBuffers,
  sharedProducerMessage,
  noGracefulShutdown,
  knownLibraryBug,
] as AnyRule[];

/** The runtime rules and the scan's own (those whose id the runtime has not): a report of diagnose --source lists these. */
export const runtimeAndScanRules: readonly AnyRule[] = [...rules, ...scanRules.filter((s) => !rules.some((r) => r.id === s.id))];
