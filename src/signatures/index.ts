// The Go library signatures kleak matches, in one explicit list.
import { confluentKafkaGo } from './confluent-kafka-go.js';
import { franzGo } from './franz-go.js';
import { kafkaGo } from './kafka-go.js';
import { sarama } from './sarama.js';
import type { GoLibrarySignatures } from './types.js';

export const goSignatures: readonly GoLibrarySignatures[] = [sarama, franzGo, kafkaGo, confluentKafkaGo];
export type { GoLibrary, GoroutineRole, GoLibrarySignatures } from './types.js';
