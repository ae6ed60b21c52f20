// What the test set-up (scripts/setup.mjs, run by `npm test` before any test) leaves for the tests, and where.
// A test that needs one of these asks for it here: when it is missing the test fails with one assertion that
// names it and how the suite gets it, instead of crashing on a spawn or skipping.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/repo-root.js';

interface SetupModule {
  paths: Record<
    'prometheus' | 'promtool' | 'k8sValidate' | 'golangciKleak' | 'realCode' | 'heapdumpAddon' | 'rdkafkaAddon' | 'brokerLibs' | 'chromium' | 'oldGoBinary',
    string
  >;
  realCodeDir: (entry: { repo: string; registry: { version: string } }) => string;
}
const setupModule = (await import(pathToFileURL(join(repoRoot, 'scripts/setup.mjs')).href)) as SetupModule;

export const setupPaths = setupModule.paths;
export const realCodeDir = setupModule.realCodeDir;

/** The path of a tool the set-up builds; an assertion naming the set-up task when it is not there. */
export function setupTool(
  name: 'prometheus' | 'promtool' | 'k8sValidate' | 'golangciKleak' | 'chromium' | 'oldGoBinary',
  task: 'prometheus' | 'k8s-validate' | 'golangci-kleak' | 'chromium' | 'old-go-binary',
): string {
  const path = setupPaths[name];
  assert.ok(
    existsSync(path),
    `${name} is not there (${path}). npm test ${name === 'chromium' ? "installs Debian's package before the tests" : 'builds it before the tests from the Go module proxy'}; to do it alone: node scripts/setup.mjs ${task}`,
  );
  return path;
}
