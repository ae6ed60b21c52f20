// Helpers for rules over Go profiles.
import type { GoLibrary } from '../signatures/index.js';
import type { Library } from '../types.js';

export const goLibraryNames: Record<GoLibrary, string> = { sarama: 'Sarama', 'franz-go': 'franz-go', 'kafka-go': 'segmentio/kafka-go', 'confluent-kafka-go': 'confluent-kafka-go' };

/** Findings name sarama, franz-go, kafkajs or unknown; the other Go libraries are named in the summary. */
export function findingLibrary(library: GoLibrary): Library {
  return library === 'sarama' || library === 'franz-go' ? library : 'unknown';
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
