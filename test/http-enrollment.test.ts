/** Spec 000 flows in-process: galleries, enroll, identify, search, photos, migrated-user refresh, log. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DATASETS } from './datasets.js';
import { datasetBase64, startTestApp, type TestApp } from './http-harness.js';

const JOHNS = join(DATASETS, 'dlib-johns/images');
const people = readdirSync(JOHNS).sort();
const photoOf = (person: string, n: number) => `dlib-johns/images/${person}/${readdirSync(join(JOHNS, person)).sort()[n]}`;

let t: TestApp;
before(async () => {
  t = await startTestApp();
  for (const [name, savePhoto] of [['staff', true], ['kiosk', false]] as const) {
    const r = await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name, savePhoto, matchLevel: 'HIGH', livenessLevel: 'LOW' } });
    assert.equal(r.statusCode, 200, r.body);
  }
});
after(() => t.close());

const post = (url: string, payload: object) => t.request({ method: 'POST', url, payload });

test('SDK enroll, duplicate refused, identify the same and a different person', async () => {
  const enrolled = await post('/sdk/v1/enroll', { gallery: 'staff', userId: 'salley', image: datasetBase64(photoOf(people[0], 0)) });
  assert.equal(enrolled.statusCode, 200, enrolled.body);
  assert.equal(enrolled.json().success, true);
  assert.equal(enrolled.json().photo, undefined, 'a gallery that keeps photos does not echo them unless asked');
  assert.equal(typeof enrolled.json().liveness.passed, 'boolean');
  const again = await post('/sdk/v1/enroll', { gallery: 'staff', userId: 'salley', image: datasetBase64(photoOf(people[0], 1)) });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().feedbackCode, 'ERROR_ALREADY_ENROLLED');

  const same = (await post('/sdk/v1/identify', { gallery: 'staff', userId: 'salley', image: datasetBase64(photoOf(people[0], 2)), returntPhoto: true })).json();
  assert.equal(same.match.possibleMatch, true);
  assert.equal(same.verified, true);
  assert.ok(same.photo.length > 1000, 'returntPhoto asks for the photo');
  const other = (await post('/sdk/v1/identify', { gallery: 'staff', userId: 'salley', image: datasetBase64(photoOf(people[1], 0)) })).json();
  assert.equal(other.match.possibleMatch, false);
  assert.equal(other.verified, false);
});

test('unknown gallery, unknown user, several faces and missing fields give their codes', async () => {
  const image = datasetBase64(photoOf(people[0], 3));
  assert.equal((await post('/sdk/v1/identify', { gallery: 'nope', userId: 'salley', image })).json().feedbackCode, 'ERROR_GALLERY_NOT_FOUND');
  assert.equal((await post('/sdk/v1/identify', { gallery: 'staff', userId: 'ghost', image })).json().feedbackCode, 'ERROR_USER_NOT_FOUND');
  const group = await post('/backoffice/v1/enroll', { gallery: 'staff', userId: 'group', image: datasetBase64('faceapi-bbt/images/bbt1.jpg') });
  assert.equal(group.json().feedbackCode, 'ERROR_MULTIPLE_FACES');
  const missing = await post('/sdk/v1/enroll', { gallery: 'staff', image });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().code, 501);
  const badLevel = await post('/sdk/v1/identify', { gallery: 'staff', userId: 'salley', image, level: 'SUPER' });
  assert.equal(badLevel.statusCode, 400);
});

test('1:N search finds the right person among five Johns', async () => {
  for (const person of people) {
    const r = await post('/backoffice/v1/enroll', { gallery: 'kiosk', userId: person, image: datasetBase64(photoOf(person, 0)) });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().photo, undefined, 'Backoffice responses never echo the photo');
  }
  for (const person of people) {
    const found = (await post('/sdk/v1/search', { gallery: 'kiosk', image: datasetBase64(photoOf(person, 5)), limit: 3 })).json();
    assert.equal(found.found, true, person);
    assert.equal(found.candidates[0].userId, person);
    assert.ok(found.candidates[0].similarityScore >= 90);
    assert.ok(found.photo.length > 1000, 'a gallery without photos returns the capture to the SDK');
  }
  const stranger = (await post('/backoffice/v1/search', { gallery: 'kiosk', image: datasetBase64('lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg'), level: 'HIGH' })).json();
  assert.deepEqual(stranger.candidates, []);
});

test('photos: kept and returned by Backoffice where the gallery keeps them, refused where it does not', async () => {
  const kept = await t.request({ method: 'GET', url: '/backoffice/v1/photo?gallery=staff&userId=salley' });
  assert.equal(kept.statusCode, 200, kept.body);
  assert.equal(kept.json().photo, readFileSync(join(DATASETS, photoOf(people[0], 0))).toString('base64'));
  const notKept = await t.request({ method: 'GET', url: `/backoffice/v1/photo?gallery=kiosk&userId=${people[1]}` });
  assert.equal(notKept.statusCode, 404);
  assert.equal(notKept.json().feedbackCode, 'ERROR_PHOTO_NOT_AVAILABLE');
});

test('a Backoffice (migrated) enrollment is refreshed after its first live SDK identification above the match level', async () => {
  const person = people[2];
  const first = photoOf(person, 0);
  const live = photoOf(person, 4);
  assert.equal((await post('/backoffice/v1/enroll', { gallery: 'staff', userId: 'migrated', image: datasetBase64(first) })).statusCode, 200);
  const backofficeIdentify = (await post('/backoffice/v1/identify', { gallery: 'staff', userId: 'migrated', image: datasetBase64(live) })).json();
  assert.equal(backofficeIdentify.enrollmentUpdated, false, 'only an SDK capture refreshes the enrollment');
  const identified = (await post('/sdk/v1/identify', { gallery: 'staff', userId: 'migrated', image: datasetBase64(live) })).json();
  assert.equal(identified.verified, true, JSON.stringify(identified));
  assert.equal(identified.enrollmentUpdated, true);
  const photo = (await t.request({ method: 'GET', url: '/backoffice/v1/photo?gallery=staff&userId=migrated' })).json();
  assert.equal(photo.photo, readFileSync(join(DATASETS, live)).toString('base64'));
  const again = (await post('/sdk/v1/identify', { gallery: 'staff', userId: 'migrated', image: datasetBase64(photoOf(person, 6)) })).json();
  assert.equal(again.enrollmentUpdated, false, 'the refresh happens once');
});

test('update and delete: the template, photo and index entry go with the enrollment', async () => {
  const person = people[3];
  assert.equal((await post('/backoffice/v1/enroll', { gallery: 'staff', userId: 'leaver', image: datasetBase64(photoOf(person, 0)) })).statusCode, 200);
  const updated = await t.request({ method: 'PUT', url: '/backoffice/v1/enroll', payload: { gallery: 'staff', userId: 'leaver', image: datasetBase64(photoOf(person, 1)) } });
  assert.equal(updated.statusCode, 200, updated.body);
  const updateMissing = await t.request({ method: 'PUT', url: '/backoffice/v1/enroll', payload: { gallery: 'staff', userId: 'nobody', image: datasetBase64(photoOf(person, 1)) } });
  assert.equal(updateMissing.json().feedbackCode, 'ERROR_USER_NOT_FOUND');
  const deleted = await t.request({ method: 'DELETE', url: '/backoffice/v1/enroll?gallery=staff&userId=leaver' });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal((await t.request({ method: 'GET', url: '/backoffice/v1/photo?gallery=staff&userId=leaver' })).statusCode, 404);
  assert.equal(await t.deps.store.getEnrollment('staff', 'leaver'), null);
  const search = (await post('/backoffice/v1/search', { gallery: 'staff', image: datasetBase64(photoOf(person, 2)) })).json();
  assert.ok(search.candidates.every((c: { userId: string }) => c.userId !== 'leaver'));
  const deleteAgain = await t.request({ method: 'DELETE', url: '/backoffice/v1/enroll', payload: { gallery: 'staff', userId: 'leaver' } });
  assert.equal(deleteAgain.statusCode, 404);
});

test('every call is in the transaction log, failures included, retrievable through log-session', async () => {
  const log = (await t.request({ method: 'GET', url: '/backoffice/v1/log-session?gallery=staff&userId=salley' })).json().transactions;
  assert.ok(log.length >= 4, JSON.stringify(log));
  const enrollEntry = log.find((e: { endpoint: string; result: string }) => e.endpoint === 'POST /sdk/v1/enroll' && e.result === 'success');
  assert.ok(enrollEntry);
  assert.match(enrollEntry.refid, /^W-face-enroll-/);
  assert.ok(log.some((e: { result: string }) => e.result === 'ERROR_ALREADY_ENROLLED'));
  const identifyEntry = log.find((e: { endpoint: string }) => e.endpoint === 'POST /sdk/v1/identify');
  assert.equal(typeof identifyEntry.similarityScore, 'number');
  assert.ok(identifyEntry.apiKeyId);
  const byRequest = await t.request({ method: 'POST', url: '/sdk/v1/liveness', payload: { image: datasetBase64(photoOf(people[0], 7)), level: 'LOW' }, headers: { requestID: 'trace-me' } });
  assert.equal(byRequest.statusCode, 200, byRequest.body);
  const traced = (await t.request({ method: 'GET', url: '/backoffice/v1/log-session?requestId=trace-me' })).json().transactions;
  assert.equal(traced.length, 1);
  assert.equal(traced[0].endpoint, 'POST /sdk/v1/liveness');
});

test('the search index is rebuilt from the store on restart', async () => {
  const second = await startTestApp({ FACEGATE_DATA_DIR: t.dataDir });
  try {
    const found = (await second.request({ method: 'POST', url: '/sdk/v1/search', payload: { gallery: 'kiosk', image: datasetBase64(photoOf(people[4], 6)) } })).json();
    assert.equal(found.candidates[0]?.userId, people[4]);
    const gallery = (await second.request({ method: 'GET', url: '/admin/v1/galleries/kiosk' })).json();
    assert.equal(gallery.enrollments, people.length);
    assert.equal(gallery.index.size, people.length);
  } finally {
    await second.close();
  }
});

test('a graph index is snapshotted at shutdown and restored, not rebuilt, at the next start', async () => {
  const env = { FACEGATE_DATA_DIR: t.dataDir, FACEGATE_HNSW_THRESHOLD: '2' };
  const kioskIndex = async (app: TestApp) => (await app.request({ method: 'GET', url: '/admin/v1/galleries/kiosk' })).json().index;
  const third = await startTestApp(env);
  try {
    assert.deepEqual(await kioskIndex(third), { kind: 'hnsw', size: people.length });
    const deleted = await third.request({ method: 'DELETE', url: `/backoffice/v1/enroll?gallery=kiosk&userId=${people[1]}` });
    assert.equal(deleted.statusCode, 200, deleted.body);
  } finally {
    await third.close();
  }
  const snapshotDir = join(t.dataDir, 'indexes');
  const sealedFiles = () => readdirSync(snapshotDir).sort().map((file) => readFileSync(join(snapshotDir, file)).toString('base64'));
  const savedAtShutdown = sealedFiles();
  assert.ok(savedAtShutdown.length >= 2);

  const fourth = await startTestApp(env);
  try {
    assert.deepEqual(await kioskIndex(fourth), { kind: 'hnsw', size: people.length - 1 });
    const found = (await fourth.request({ method: 'POST', url: '/sdk/v1/search', payload: { gallery: 'kiosk', image: datasetBase64(photoOf(people[4], 6)) } })).json();
    assert.equal(found.candidates[0]?.userId, people[4]);
    const deletedPerson = (await fourth.request({ method: 'POST', url: '/sdk/v1/search', payload: { gallery: 'kiosk', image: datasetBase64(photoOf(people[1], 6)) } })).json();
    assert.ok(deletedPerson.candidates.every((candidate: { userId: string }) => candidate.userId !== people[1]));
    assert.deepEqual(sealedFiles(), savedAtShutdown, 'restored as saved: a rebuild would have written a new snapshot');
  } finally {
    await fourth.close();
  }
});
