/** Two Facegate servers on one data dir: 1:N search on one finds whom the other enrolled, and stops finding whom it deleted. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATASETS } from './datasets.js';
import { datasetBase64, startTestApp, type TestApp } from './http-harness.js';

const JOHNS = join(DATASETS, 'dlib-johns/images');
const people = readdirSync(JOHNS).sort();
const photoOf = (person: string, n: number) => `dlib-johns/images/${person}/${readdirSync(join(JOHNS, person)).sort()[n]}`;

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a search on one server finds a person enrolled through another, and not after another deletes them', async () => {
  const a = await startTestApp({ FACEGATE_INDEX_SYNC_MS: '50' });
  let b: TestApp | undefined;
  try {
    b = await startTestApp({ FACEGATE_DATA_DIR: a.dataDir, FACEGATE_INDEX_SYNC_MS: '50' });
    const created = await a.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'gate', savePhoto: false, matchLevel: 'HIGH', livenessLevel: null } });
    assert.equal(created.statusCode, 200, created.body);
    const person = people[2];
    const enrolled = await a.request({ method: 'POST', url: '/backoffice/v1/enroll', payload: { gallery: 'gate', userId: person, image: datasetBase64(photoOf(person, 0)) } });
    assert.equal(enrolled.statusCode, 200, enrolled.body);

    const searchOnB = async () =>
      (await b!.request({ method: 'POST', url: '/backoffice/v1/search', key: a.adminKey, payload: { gallery: 'gate', image: datasetBase64(photoOf(person, 3)) } })).json();
    await eventually(async () => (await searchOnB()).candidates?.[0]?.userId === person, 'server B finds the person A enrolled');

    const deleted = await a.request({ method: 'DELETE', url: `/backoffice/v1/enroll?gallery=gate&userId=${person}` });
    assert.equal(deleted.statusCode, 200, deleted.body);
    await eventually(async () => (await searchOnB()).candidates?.length === 0, 'server B stops finding the person A deleted');
  } finally {
    await b?.close();
    await a.close();
  }
});
