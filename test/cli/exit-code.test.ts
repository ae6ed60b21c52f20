import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor, exitCodeForError } from '../../src/cli/exit-code.js';
import { InputError, NotImplementedError, UsageError } from '../../src/errors.js';

test('exitCodeFor: findings at or above --fail-on give 1, below give 0', () => {
  const warning = [{ severity: 'warning' as const }];
  assert.equal(exitCodeFor(warning, 'error'), 0);
  assert.equal(exitCodeFor(warning, 'warning'), 1);
  assert.equal(exitCodeFor(warning, 'info'), 1);
  assert.equal(exitCodeFor([{ severity: 'error' }], 'never'), 0);
  assert.equal(exitCodeFor([{ severity: 'info' }], 'warning'), 0);
  assert.equal(exitCodeFor([], 'info'), 0);
});

test('exitCodeForError: expected errors give 2, anything else is a bug (3)', () => {
  assert.equal(exitCodeForError(new UsageError('bad flag')), 2);
  assert.equal(exitCodeForError(new InputError('no such pid')), 2);
  assert.equal(exitCodeForError(new NotImplementedError('later')), 2);
  assert.equal(exitCodeForError(new TypeError('x is undefined')), 3);
  assert.equal(exitCodeForError('a string'), 3);
});
