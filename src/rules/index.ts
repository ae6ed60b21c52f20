// Every rule kleak runs, in one explicit list.
import type { AnyRule } from './define-rule.js';
import clientPerRequest from './client-per-request.js';
import closeWaitSockets from './close-wait-sockets.js';
import connectionsGrowing from './connections-growing.js';
import fdExhaustion from './fd-exhaustion.js';
import clientNotClosed from './client-not-closed.js';
import producerClosedClientOpen from './producer-closed-client-open.js';
import recordsPinBuffers from './records-pin-buffers.js';
import messagesKept from './messages-kept.js';
import stuckSyncProducer from './stuck-sync-producer.js';
import groupMemberGrowth from './group-member-growth.js';
import lingeringMembers from './lingering-members.js';
import nonKafkaGrowth from './non-kafka-growth.js';
import shutdownLostMessages from './shutdown-lost-messages.js';
import shutdownNoLeaveGroup from './shutdown-no-leave-group.js';
import shutdownNoFinalCommit from './shutdown-no-final-commit.js';
import shutdownExceedsGrace from './shutdown-exceeds-grace.js';
import shutdownNoSignalHandler from './shutdown-no-signal-handler.js';
import shutdownSocketsLeftOpen from './shutdown-sockets-left-open.js';
import knownLibraryBug from './known-library-bug.js';

export const rules: readonly AnyRule[] = [
  clientPerRequest,
  connectionsGrowing,
  closeWaitSockets,
  fdExhaustion,
  producerClosedClientOpen,
  clientNotClosed,
  stuckSyncProducer,
  recordsPinBuffers,
  messagesKept,
  groupMemberGrowth,
  lingeringMembers,
  nonKafkaGrowth,
  shutdownLostMessages,
  shutdownNoLeaveGroup,
  shutdownNoFinalCommit,
  shutdownExceedsGrace,
  shutdownNoSignalHandler,
  shutdownSocketsLeftOpen,
  knownLibraryBug,
] as AnyRule[];
