// Validates kleak's JSON output against docs/json-schema/ (ajv, draft-07).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../src/repo-root.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const ajv = new Ajv({ allErrors: true, strict: false });
const load = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'docs/json-schema', name), 'utf8'));
ajv.addSchema(load('common.schema.json'));
const validators: Record<string, (data: unknown) => boolean & { errors?: unknown }> = {};

export function assertSchema(schema: 'sockets' | 'watch' | 'pprof' | 'cluster' | 'diagnosis' | 'heap' | 'shutdown' | 'top' | 'error', data: unknown): void {
  const validate = (validators[schema] ??=
    schema === 'error' ? ajv.getSchema('https://kleak.dev/schema/common.schema.json#/definitions/error') : ajv.compile(load(`${schema}.schema.json`)));
  const ok = validate(data);
  assert.ok(ok, `${schema} output does not match docs/json-schema: ${JSON.stringify((validate as { errors?: unknown }).errors, null, 1)}`);
}

const Ajv4 = require('ajv-draft-04');
let sarifValidator: ((data: unknown) => boolean) & { errors?: unknown };

/** Validates against the official SARIF 2.1.0 JSON schema (draft-04), as shipped in @microsoft/jest-sarif. */
export function assertSarif(data: unknown): void {
  if (!sarifValidator) {
    const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    sarifValidator = new Ajv4({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
  }
  assert.ok(sarifValidator(data), `not valid SARIF 2.1.0: ${JSON.stringify(sarifValidator.errors, null, 1)}`);
}

/**
 * What GitHub code scanning checks when it ingests SARIF (docs: "SARIF support for code scanning", upload
 * limits; github/codeql-action#1738, #2459), beyond the schema: a whole file is rejected when one result
 * has no location. Each result needs ≥ 1 location with physicalLocation.artifactLocation.uri, URIs are
 * relative (no scheme, no absolute local path), helpUri and informationUri are absolute, and the sizes stay
 * within the documented limits (20 runs, 25,000 results a run, 1,000 locations a result, 10 MB gzipped).
 */
export function assertCodeScanningSarif(log: any): void {
  const problems: string[] = [];
  if (!Array.isArray(log.runs) || log.runs.length === 0 || log.runs.length > 20) problems.push(`runs: ${log.runs?.length}`);
  const size = gzipSync(JSON.stringify(log)).length;
  if (size > 10 * 1024 * 1024) problems.push(`${size} bytes gzipped, over 10 MB`);
  const absolute = (uri: string) => /^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/') || /^[A-Za-z]:\\/.test(uri);
  for (const [r, run] of (log.runs ?? []).entries()) {
    const driver = run.tool?.driver ?? {};
    if (!driver.informationUri || !absolute(driver.informationUri)) problems.push(`run ${r}: informationUri ${driver.informationUri} is not an absolute URL`);
    for (const rule of driver.rules ?? [])
      if (!rule.helpUri || !/^https?:\/\//.test(rule.helpUri)) problems.push(`rule ${rule.id}: helpUri ${rule.helpUri} is not an absolute URL`);
    if ((run.results ?? []).length > 25_000) problems.push(`run ${r}: ${run.results.length} results`);
    for (const [i, result] of (run.results ?? []).entries()) {
      const locations = result.locations ?? [];
      if (locations.length === 0) problems.push(`result ${i} (${result.ruleId}): no location (expected at least one location)`);
      if (locations.length > 1000) problems.push(`result ${i}: ${locations.length} locations`);
      for (const l of locations) {
        const uri = l.physicalLocation?.artifactLocation?.uri;
        if (typeof uri !== 'string' || uri === '') problems.push(`result ${i} (${result.ruleId}): a location without physicalLocation.artifactLocation.uri`);
        else if (absolute(uri)) problems.push(`result ${i} (${result.ruleId}): absolute URI ${uri}`);
      }
    }
  }
  assert.deepEqual(problems, [], 'code scanning would reject this SARIF');
}
