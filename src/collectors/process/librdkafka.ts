// librdkafka-based clients (confluent-kafka-go, node-rdkafka, @confluentinc/kafka-javascript) keep their
// connections and buffers in librdkafka's own threads, outside the Go heap and V8: they are counted by
// those threads. Every client instance (rd_kafka_new) starts one "rdk:main" thread and one thread per
// broker it knows: "rdk:broker-1" for the bootstrap address (and one internal), "rdk:broker<id>" per
// broker learnt from metadata; all of them end when the client is destroyed (disconnect / Close).
import { readdirSync, readFileSync } from 'node:fs';
import type { Library } from '../../types.js';

export interface RdkafkaThreads {
  /** "rdk:main" threads: one per client instance */
  clients: number;
  /** "rdk:broker<id>" threads for brokers learnt from metadata (node id ≥ 0): one per client and broker */
  brokerThreads: number;
  /** every other rdk: thread (bootstrap "rdk:broker-1", background) */
  otherThreads: number;
}

/** Counts the rdk: thread names of /proc/PID/task/<tid>/comm (each at most 15 characters). */
export function countRdkafkaThreads(names: readonly string[]): RdkafkaThreads {
  const out: RdkafkaThreads = { clients: 0, brokerThreads: 0, otherThreads: 0 };
  for (const name of names) {
    if (!name.startsWith('rdk:')) continue;
    if (name === 'rdk:main') out.clients++;
    else if (/^rdk:broker\d+$/.test(name)) out.brokerThreads++;
    else out.otherThreads++;
  }
  return out;
}

/** The thread names of a process; [] when it is gone or unreadable. */
export function threadNames(pid: number): string[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const tid of tids) {
    try {
      names.push(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim());
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return names;
}

export function readRdkafkaThreads(pid: number): RdkafkaThreads {
  return countRdkafkaThreads(threadNames(pid));
}

/**
 * Which librdkafka binding a process uses, from the files it has mapped: the Node addons by their
 * package's path, librdkafka itself by name (confluent-kafka-go links it statically: then only the rdk:
 * threads tell, and the runtime says which). undefined when neither librdkafka nor an rdk: thread is there.
 */
export function librdkafkaBindingOf(maps: string, runtime: string, threads: RdkafkaThreads): Library | undefined {
  if (/node_modules\/@confluentinc\/kafka-javascript\//.test(maps)) return 'confluent-kafka-javascript';
  if (/node_modules\/node-rdkafka\//.test(maps)) return 'node-rdkafka';
  // confluent-kafka-python: its C extension (confluent_kafka/cimpl…so) and the librdkafka its wheel bundles
  if (/\/confluent_kafka(\.libs)?\//.test(maps)) return 'confluent-kafka-python';
  const present = /librdkafka/.test(maps) || threads.clients + threads.brokerThreads + threads.otherThreads > 0;
  if (!present) return undefined;
  if (runtime === 'go') return 'confluent-kafka-go';
  if (runtime === 'node') return 'node-rdkafka';
  return 'unknown';
}

export function readLibrdkafkaBinding(pid: number, runtime: string): Library | undefined {
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return undefined;
  }
  const found = librdkafkaBindingOf(maps, runtime, readRdkafkaThreads(pid));
  if (found || runtime !== 'go') return found;
  // confluent-kafka-go links librdkafka statically and starts its threads only with a client: its build info tells
  try {
    return readFileSync(`/proc/${pid}/exe`).includes('github.com/confluentinc/confluent-kafka-go') ? 'confluent-kafka-go' : undefined;
  } catch {
    return undefined;
  }
}
