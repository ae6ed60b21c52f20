// The Kafka constructors of the Python libraries, resolved through a file's imports (aliases, `import
// confluent_kafka as ck; ck.Producer(…)`, imports inside functions): confluent-kafka's Producer, Consumer and
// AdminClient (and the serializing / Avro variants, the asyncio AIOProducer and AIOConsumer), kafka-python's KafkaProducer, KafkaConsumer,
// KafkaAdminClient and KafkaClient, aiokafka's AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient.
import type { Library } from '../../../types.js';
import type { ClientKind } from '../types.js';
import { findAll, fieldOf, type GNode } from '../go/tree.js';
import { text, type PyFile } from './common.js';

export interface PyCtor {
  library: Library;
  kind: ClientKind;
  /** the class, as the library names it */
  name: string;
  /**
   * what becomes of one nothing refers to any more: freed (reference counting destroys a confluent-kafka client;
   * KafkaProducer.__del__ closes itself), kept by the tasks start() began (aiokafka), kept by the threads its
   * constructor started (kafka-python's consumer and admin, confluent-kafka's asyncio clients)
   */
  dropped: 'freed' | 'started' | 'kept';
}

const ctor = (library: Library, kind: ClientKind, name: string, dropped: PyCtor['dropped']): PyCtor => ({ library, kind, name, dropped });
const confluentProducer = ctor('confluent-kafka-python', 'producer', 'Producer', 'freed');
const confluentConsumer = ctor('confluent-kafka-python', 'consumer', 'Consumer', 'freed');
const kafkaProducer = ctor('kafka-python', 'producer', 'KafkaProducer', 'freed');
const kafkaConsumer = ctor('kafka-python', 'consumer', 'KafkaConsumer', 'kept');
const kafkaAdmin = ctor('kafka-python', 'admin', 'KafkaAdminClient', 'kept');
const kafkaClient = ctor('kafka-python', 'client', 'KafkaClient', 'kept');
const aioProducer = ctor('aiokafka', 'producer', 'AIOKafkaProducer', 'started');
const aioConsumer = ctor('aiokafka', 'consumer', 'AIOKafkaConsumer', 'started');
const aioAdmin = ctor('aiokafka', 'admin', 'AIOKafkaAdminClient', 'started');

/** Fully qualified class → what it builds (each module a class is importable from). */
const classes: Record<string, PyCtor> = {
  'confluent_kafka.Producer': confluentProducer,
  'confluent_kafka.SerializingProducer': { ...confluentProducer, name: 'SerializingProducer' },
  'confluent_kafka.avro.AvroProducer': { ...confluentProducer, name: 'AvroProducer' },
  'confluent_kafka.Consumer': confluentConsumer,
  'confluent_kafka.DeserializingConsumer': { ...confluentConsumer, name: 'DeserializingConsumer' },
  'confluent_kafka.avro.AvroConsumer': { ...confluentConsumer, name: 'AvroConsumer' },
  'confluent_kafka.admin.AdminClient': ctor('confluent-kafka-python', 'admin', 'AdminClient', 'freed'),
  // the asyncio clients (2.13+): a thread pool and background tasks from the constructor on, until close()
  'confluent_kafka.aio.AIOProducer': ctor('confluent-kafka-python', 'producer', 'AIOProducer', 'kept'),
  'confluent_kafka.aio.AIOConsumer': ctor('confluent-kafka-python', 'consumer', 'AIOConsumer', 'kept'),
  'kafka.KafkaProducer': kafkaProducer,
  'kafka.producer.KafkaProducer': kafkaProducer,
  'kafka.producer.kafka.KafkaProducer': kafkaProducer,
  'kafka.KafkaConsumer': kafkaConsumer,
  'kafka.consumer.KafkaConsumer': kafkaConsumer,
  'kafka.consumer.group.KafkaConsumer': kafkaConsumer,
  'kafka.KafkaAdminClient': kafkaAdmin,
  'kafka.admin.KafkaAdminClient': kafkaAdmin,
  'kafka.admin.client.KafkaAdminClient': kafkaAdmin,
  'kafka.KafkaClient': kafkaClient,
  'kafka.client_async.KafkaClient': kafkaClient,
  'aiokafka.AIOKafkaProducer': aioProducer,
  'aiokafka.producer.AIOKafkaProducer': aioProducer,
  'aiokafka.AIOKafkaConsumer': aioConsumer,
  'aiokafka.consumer.AIOKafkaConsumer': aioConsumer,
  'aiokafka.admin.AIOKafkaAdminClient': aioAdmin,
  'aiokafka.admin.client.AIOKafkaAdminClient': aioAdmin,
};

/** The text a file must contain for its directory to be analysed: an import of a Kafka library. */
export const pythonKafkaImport =
  /^[ \t]*(?:from[ \t]+(?:confluent_kafka|kafka|aiokafka)\b|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*(?:confluent_kafka|kafka|aiokafka)\b)/m;

/** A file's imports: local name → what it names, fully qualified; modules imported with *; relative imports (.helpers.make) */
export interface PyImports {
  names: Map<string, string>;
  star: string[];
  relative: Map<string, string>;
}

export function importsOf(f: PyFile): PyImports {
  const names = new Map<string, string>();
  const star: string[] = [];
  const relative = new Map<string, string>();
  const dotted = (n: GNode | undefined) => (n ? text(f, n).replace(/\s+/g, '') : '');
  // imports anywhere in the file: a function's own `from confluent_kafka import Producer` counts too
  for (const d of findAll(f.root, (n) => n.type === 'import_statement' || n.type === 'import_from_statement')) {
    if (d.type === 'import_statement') {
      for (const k of d.kids) {
        if (k.type === 'dotted_name') {
          // import a.b.c binds a, and a.b.c is reached through it
          const first = dotted(k).split('.')[0]!;
          names.set(first, first);
        } else if (k.type === 'aliased_import') names.set(text(f, fieldOf(k, 'alias') ?? k), dotted(fieldOf(k, 'name')));
      }
      continue;
    }
    const from = fieldOf(d, 'module_name');
    if (!from) continue;
    const module = dotted(from);
    // relative imports (from . import x, from .kafka import Producer) name the service's own modules
    if (from.type === 'relative_import') {
      for (const k of d.kids) {
        if (k === from) continue;
        if (k.type === 'dotted_name') relative.set(dotted(k), `${module}${module.endsWith('.') ? '' : '.'}${dotted(k)}`);
        else if (k.type === 'aliased_import')
          relative.set(text(f, fieldOf(k, 'alias') ?? k), `${module}${module.endsWith('.') ? '' : '.'}${dotted(fieldOf(k, 'name'))}`);
      }
      continue;
    }
    for (const k of d.kids) {
      if (k === from) continue;
      if (k.type === 'wildcard_import') star.push(module);
      else if (k.type === 'dotted_name') names.set(dotted(k), `${module}.${dotted(k)}`);
      else if (k.type === 'aliased_import') names.set(text(f, fieldOf(k, 'alias') ?? k), `${module}.${dotted(fieldOf(k, 'name'))}`);
    }
  }
  return { names, star, relative };
}

/** The Kafka client a call builds, with the constructor as written, when its callee resolves to one of the classes. */
export function ctorOf(f: PyFile, call: GNode, imports: PyImports, localNames: Set<string>): { ctor: PyCtor; callee: string } | undefined {
  const fn = fieldOf(call, 'function');
  if (!fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return undefined;
  const written = text(f, fn).replace(/\s+/g, '');
  if (!/^[\w.]+$/.test(written)) return undefined;
  const [first, ...rest] = written.split('.');
  const imported = imports.names.get(first!);
  let qualified: string | undefined;
  if (imported !== undefined) qualified = [imported, ...rest].join('.');
  else if (!rest.length && !localNames.has(first!)) {
    const module = imports.star.find((m) => classes[`${m}.${first}`]);
    if (module) qualified = `${module}.${first}`;
  }
  const found = qualified ? classes[qualified] : undefined;
  return found && { ctor: found, callee: written };
}
