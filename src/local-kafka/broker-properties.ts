// What a local broker is configured with: defaults for a small test node, logging, properties files, cluster ids.
import { randomBytes } from 'node:crypto';
import type { KafkaClusterOptions, KafkaNode } from './types.js';

export const defaultBrokerConfig: Record<string, string | number | boolean> = {
  'num.partitions': 1,
  'num.network.threads': 2,
  'num.io.threads': 2,
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.num.partitions': 1,
  'transaction.state.log.num.partitions': 1,
  'auto.create.topics.enable': true,
  'log.flush.interval.messages': 1_000_000,
  'log.segment.bytes': 64 * 1024 * 1024,
};

export const log4j2 = `appender.c.type=Console
appender.c.name=C
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.c.ref=C
logger.s.name=kafka.server.KafkaRaftServer
logger.s.level=INFO
`;

export function properties(values: Record<string, string | number | boolean>): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/**
 * Kafka cluster ids are 16 random bytes in URL-safe base64 without padding (Uuid.toString). Like
 * Kafka's Uuid.randomUuid, never one that starts with '-': the storage tool would read it as a flag
 * (1 run in 64 failed that way before this).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** One node's server.properties: listeners (PLAINTEXT, CONTROLLER, and SASL/SSL when asked), security, replication. */
export function nodeProperties(
  node: KafkaNode & { saslPort?: number; sslPort?: number; saslSslPort?: number },
  cluster: { voters: string; nodeCount: number; tls?: { keystore: string; password: string }; options: KafkaClusterOptions },
): Record<string, string | number | boolean> {
  const { voters, nodeCount, tls, options } = cluster;
  const withSasl = options.saslPlainUsers !== undefined || options.scramUsers !== undefined;
  const replication = nodeCount === 3 ? 3 : 1;
  const users = options.saslPlainUsers;
  const jaasUsers = users
    ? Object.entries(users)
        .map(([u, p]) => `user_${u}="${p}"`)
        .join(' ')
    : '';
  const mechanisms = [...(users ? ['PLAIN'] : []), ...(options.scramUsers ? ['SCRAM-SHA-256', 'SCRAM-SHA-512'] : [])];
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const saslSsl = withSasl && tls !== undefined;
  const pod = options.podListener && nodeCount === 1 ? `,POD://${options.podListener.host}:${options.podListener.port}` : '';
  const extra = `${pod}${withSasl ? `,SASL_PLAINTEXT://127.0.0.1:${node.saslPort}` : ''}${tls ? `,SSL://127.0.0.1:${node.sslPort}` : ''}${saslSsl ? `,SASL_SSL://127.0.0.1:${node.saslSslPort}` : ''}`;
  return {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}${extra}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort}${extra}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${pod ? ',POD:PLAINTEXT' : ''}${withSasl ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}${tls ? ',SSL:SSL' : ''}${saslSsl ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(withSasl ? { 'sasl.enabled.mechanisms': mechanisms.join(',') } : {}),
    ...(users
      ? {
          'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${jaasUsers};`,
          ...(saslSsl
            ? { 'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${jaasUsers};` }
            : {}),
        }
      : {}),
    ...(saslSsl && options.scramUsers
      ? { 'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scramJaas, 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scramJaas }
      : {}),
    ...(saslSsl
      ? {
          'listener.name.sasl_ssl.ssl.keystore.type': 'PKCS12',
          'listener.name.sasl_ssl.ssl.keystore.location': tls.keystore,
          'listener.name.sasl_ssl.ssl.keystore.password': tls.password,
          'listener.name.sasl_ssl.ssl.key.password': tls.password,
        }
      : {}),
    ...(options.scramUsers
      ? { 'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scramJaas, 'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scramJaas }
      : {}),
    ...(tls
      ? {
          'listener.name.ssl.ssl.keystore.type': 'PKCS12',
          'listener.name.ssl.ssl.keystore.location': tls.keystore,
          'listener.name.ssl.ssl.keystore.password': tls.password,
          'listener.name.ssl.ssl.key.password': tls.password,
        }
      : {}),
    ...(options.superUsers
      ? {
          'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'super.users': ['User:ANONYMOUS', ...options.superUsers].join(';'),
        }
      : {}),
    'log.dirs': node.dataDir,
    'offsets.topic.replication.factor': replication,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': Math.min(2, replication),
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': Math.min(2, replication),
    ...(nodeCount === 3 ? { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500 } : {}),
    ...defaultBrokerConfig,
    ...options.brokerConfig,
  };
}
