// The Kafka client libraries kleak knows, per ecosystem, and the ecosystems' name rules.
import type { Ecosystem } from './types.js';

/** Go module paths; compared without case (GitHub paths are case-insensitive, old go.mods spell github.com/shopify/sarama) */
const goModules = [
  'github.com/shopify/sarama',
  'github.com/ibm/sarama',
  'github.com/twmb/franz-go',
  'github.com/segmentio/kafka-go',
  'github.com/confluentinc/confluent-kafka-go',
  'github.com/confluentinc/confluent-kafka-go/v2',
];
/** packages inside one of those modules (an import path rather than a module path) */
const goPackagesInModules = ['github.com/twmb/franz-go/pkg/kgo'];
const npmPackages = new Set(['kafkajs', 'node-rdkafka', '@confluentinc/kafka-javascript']);
const mavenArtifacts = new Set(['org.apache.kafka:kafka-clients', 'org.springframework.kafka:spring-kafka']);
const pypiProjects = new Set(['confluent-kafka', 'kafka-python', 'aiokafka']);

/** PEP 503: lowercase, runs of -, _ and . become one - */
export const normalisePyPI = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** the default filter: a Kafka client library (names as DeclaredDependency spells them) */
export function isKafkaClientPackage(ecosystem: Ecosystem, name: string): boolean {
  switch (ecosystem) {
    case 'Go': {
      const path = name.toLowerCase();
      return goModules.includes(path) || goPackagesInModules.includes(path);
    }
    case 'npm':
      return npmPackages.has(name);
    case 'Maven':
      return mavenArtifacts.has(name);
    case 'PyPI':
      return pypiProjects.has(normalisePyPI(name));
  }
}
