// Validates kleak's JSON output against docs/json-schema/ (ajv, draft-07).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from '../../src/repo-root.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const ajv = new Ajv({ allErrors: true, strict: false });
const load = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'docs/json-schema', name), 'utf8'));
ajv.addSchema(load('common.schema.json'));
const validators: Record<string, (data: unknown) => boolean & { errors?: unknown }> = {};

export function assertSchema(schema: 'sockets' | 'watch' | 'pprof' | 'cluster' | 'diagnosis' | 'heap' | 'error', data: unknown): void {
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
