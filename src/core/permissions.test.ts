import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_PERMISSIONS, grants, grantsContext, parsePermissions } from './permissions.js';

test('groups expand, unknown names are refused, the wildcard grants everything', () => {
  assert.deepEqual(parsePermissions(['api:*']).sort(), ALL_PERMISSIONS.filter((p) => p.startsWith('api:')).sort());
  assert.throws(() => parsePermissions(['sdk:photo']), /unknown permission "sdk:photo"/);
  assert.throws(() => parsePermissions(['nope:*']), /unknown permission group/);
  assert.equal(grants(['*'], 'admin:keys'), true);
  assert.equal(grants(['sdk:enroll'], 'backoffice:enroll'), false);
  assert.equal(grantsContext(['backoffice:photo'], 'backoffice'), true);
  assert.equal(grantsContext(['backoffice:photo'], 'sdk'), false);
});
