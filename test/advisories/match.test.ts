// Version order and OSV range evaluation, on the versions the Kafka clients release, and the real database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advisoriesFor, inRange, loadAdvisories, upgradeTarget } from '../../src/advisories/index.js';
import { compareVersions } from '../../src/advisories/compare-versions.js';

test('versions order as their ecosystems order them', () => {
  const sorted = ['1.37.0', '1.9.0', '1.37.0-rc1', '1.10.2', 'v1.36.0', '0.0.0-20250401214520-65e299d6c5c9', '1.37.1', '1.37.0.post1'].sort(compareVersions);
  assert.deepEqual(sorted, ['0.0.0-20250401214520-65e299d6c5c9', '1.9.0', '1.10.2', 'v1.36.0', '1.37.0-rc1', '1.37.0', '1.37.0.post1', '1.37.1']);
  assert.equal(compareVersions('0.10.2.1', '0.10.2'), 1, 'Maven’s four-part versions');
  assert.equal(compareVersions('2.0.0b1', '2.0.0'), -1, 'PEP 440 beta');
  assert.equal(compareVersions('2.0.0', '2.0'), 0);
  assert.equal(compareVersions('3.8.0', '3.8.0-SNAPSHOT'), 1);
});

test('OSV ranges: introduced opens, fixed closes, last_affected closes after it, several pairs in one range', () => {
  const backports = { type: 'ECOSYSTEM' as const, events: [{ introduced: '0' }, { fixed: '3.0.1' }, { introduced: '3.1.0' }, { fixed: '3.1.1' }] };
  assert.deepEqual(
    ['2.8.0', '3.0.0', '3.0.1', '3.0.2', '3.1.0', '3.1.1', '3.2.0'].map((v) => inRange(backports, v)),
    [true, true, false, false, true, false, false],
  );
  const open = { type: 'SEMVER' as const, events: [{ introduced: '0.4.0' }] };
  assert.deepEqual(
    ['0.3.9', '0.4.0', '0.4.51'].map((v) => inRange(open, v)),
    [false, true, true],
  );
  const last = { type: 'SEMVER' as const, events: [{ introduced: '1.0.0' }, { last_affected: '1.2.0' }] };
  assert.deepEqual(
    ['0.9.0', '1.2.0', '1.2.1'].map((v) => inRange(last, v)),
    [false, true, false],
  );
});

test('the database: Sarama 1.36.0 has SAR-11, 1.37.0 not; the module paths are told apart', () => {
  const ids = (p: string, v: string) => advisoriesFor({ ecosystem: 'Go', package: p, version: v }).map((a) => a.id.replace('x_KLEAK-', ''));
  assert.ok(ids('github.com/Shopify/sarama', '1.36.0').includes('SAR-11'));
  assert.ok(!ids('github.com/Shopify/sarama', '1.37.0').includes('SAR-11'));
  // 1.48.0 under IBM fixes SAR-15; under Shopify no release does
  assert.ok(!ids('github.com/IBM/sarama', '1.48.0').includes('SAR-15'));
  assert.ok(ids('github.com/Shopify/sarama', '1.38.1').includes('SAR-15'));
  assert.deepEqual(ids('github.com/IBM/sarama', '1.61.1'), ['SAR-16']);
  assert.equal(upgradeTarget(advisoriesFor({ ecosystem: 'Go', package: 'github.com/Shopify/sarama', version: '1.36.0' })), '1.48.0');
  assert.equal(loadAdvisories().length, 114);
});
