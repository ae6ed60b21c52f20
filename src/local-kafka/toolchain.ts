// What a local broker needs on this machine: Java 17+ and the broker jars (resolved once with Maven).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SetupError } from '../errors.js';
import { repoRoot } from '../repo-root.js';

export const brokerPom = join(repoRoot, 'broker/pom.xml');
export const defaultLibDir = join(repoRoot, 'broker/target/libs');

/** Checks Java 17+ is on PATH; returns its major version. */
export function checkJava(): number {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new SetupError('Java was not found on PATH; the test broker is Apache Kafka and runs on Java 17 or newer.', {
      cause: result.error,
      hint: 'Install a JDK or JRE 17+ (Debian: apt-get install openjdk-17-jre-headless) and make sure `java -version` works.',
    });
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17)) {
    throw new SetupError(`Java ${match ? major : '(unknown version)'} was found, but Kafka 4.x brokers need Java 17 or newer.`, {
      hint: 'Put a Java 17+ first on PATH (or set JAVA_HOME/bin first on PATH).',
    });
  }
  return major;
}

/** Makes sure the broker jars are resolved; runs Maven once when they are missing. */
export function ensureKafkaJars(libDir = defaultLibDir, resolveJars = true, log: (line: string) => void = () => {}): string {
  const hasJars = existsSync(libDir) && readdirSync(libDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (hasJars) return libDir;
  if (!resolveJars) {
    throw new SetupError(`The Kafka broker jars are not in ${libDir}.`, { hint: `Resolve them with: mvn -B -q -f ${brokerPom} package` });
  }
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error) {
    throw new SetupError('Maven was not found on PATH, and the Kafka broker jars are not resolved yet.', {
      cause: mvn.error,
      hint: `Install Maven (Debian: apt-get install maven), then run: mvn -B -q -f ${brokerPom} package`,
    });
  }
  log(`resolving Kafka broker jars with Maven into ${libDir} (once)`);
  const result = spawnSync('mvn', ['-B', '-q', '-f', brokerPom, 'package'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0 || !existsSync(libDir)) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new SetupError(`Maven could not resolve the Kafka broker jars (exit ${result.status}).\n${tail}`, {
      hint: 'Check that Maven Central is reachable (a proxy in ~/.m2/settings.xml?), then retry.',
    });
  }
  return libDir;
}
