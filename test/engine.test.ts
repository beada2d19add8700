/** Model tests: the real default pack on real images from ../shared/datasets. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { similarityScore } from '../src/core/calibration.js';
import { FacegateError } from '../src/core/errors.js';
import { cosineSimilarity, type FaceTemplate } from '../src/core/template.js';
import { loadEngineConfig } from '../src/config.js';
import { FaceEngine } from '../src/engine/engine.js';
import { DATASETS, labelledImages, readImage } from './datasets.js';

let engine: FaceEngine;
before(async () => {
  engine = await FaceEngine.open(loadEngineConfig({ FACEGATE_WORKERS: '2' }));
});
after(() => engine.close());

async function templates(dataset: string) {
  const images = labelledImages(dataset);
  return Promise.all(images.map(async (im) => ({ ...im, template: (await engine.template(readImage(im.path))).template })));
}

for (const dataset of ['dlib-johns', 'faceapi-bbt']) {
  test(`${dataset}: same person ≥ 80 and different people < 80 for at least 95% of all pairs`, async () => {
    const rows = await templates(dataset);
    let correct = 0;
    let total = 0;
    for (let i = 0; i < rows.length; i++) {
      for (let j = i + 1; j < rows.length; j++) {
        const similarity = similarityScore(cosineSimilarity(rows[i].template, rows[j].template), engine.calibration.match, 'selfie');
        const same = rows[i].identity === rows[j].identity;
        if ((similarity >= 80) === same) correct++;
        total++;
      }
    }
    assert.ok(rows.length >= 40, `only ${rows.length} images`);
    assert.ok(correct / total >= 0.95, `${dataset}: ${correct}/${total} pairs on the right side of 80`);
  });
}

test('faceapi-bbt group shots report multiple faces; single crops do not', async () => {
  for (const n of [1, 2, 3, 4, 5]) {
    const analysis = await engine.analyze(readImage(`${DATASETS}/faceapi-bbt/images/bbt${n}.jpg`));
    assert.ok(analysis.multipleFaces, `bbt${n}.jpg`);
    assert.ok(analysis.faces.length >= 3, `bbt${n}.jpg: ${analysis.faces.length} faces`);
  }
  const crop = await engine.analyze(readImage(`${DATASETS}/faceapi-bbt/images/amy/amy1.png`));
  assert.equal(crop.multipleFaces, false);
  assert.equal(crop.faces.length, 1);
});

test('an EXIF-rotated copy gives the same template as the upright image', async () => {
  const upright = readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`);
  // Orientation 6 tells viewers to turn the stored pixels 90° clockwise, so store them turned 90° counter-clockwise.
  const rotated = new Uint8Array(await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer());
  const meta = await sharp(rotated).metadata();
  assert.equal(meta.orientation, 6);
  assert.equal(meta.width, 250);
  const [a, b] = await Promise.all([engine.template(upright), engine.template(rotated)]);
  const cosine = cosineSimilarity(a.template, b.template);
  assert.ok(cosine >= 0.95, `cosine ${cosine}`);
  assert.deepEqual([b.analysis.width, b.analysis.height], [250, 250]);
});

test('grayscale and low-resolution tight crops (ORL) give a face and a template', async () => {
  const { template, analysis } = await engine.template(readImage(`${DATASETS}/orl-att-faces/png/s1/1.png`));
  assert.equal(analysis.sourceChannels, 1);
  assert.equal(template.vector.length, 512);
});

function rejectsWith(code: string, numeric: number) {
  return (err: unknown) => err instanceof FacegateError && err.code === code && err.numericCode === numeric && err.message.length > 10;
}

test('bad input gives the spec error codes', async () => {
  const jpeg = readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`);
  await assert.rejects(engine.analyze(new Uint8Array(0)), rejectsWith('ERROR_INVALID_FORMAT', 504));
  await assert.rejects(engine.analyze(new TextEncoder().encode('this is not an image at all')), rejectsWith('ERROR_INVALID_FORMAT', 504));
  await assert.rejects(engine.analyze(jpeg.subarray(0, Math.floor(jpeg.length / 2))), rejectsWith('ERROR_INVALID_FORMAT', 504));
  const huge = new Uint8Array(await sharp({ create: { width: 6000, height: 5000, channels: 3, background: '#808080' } }).png({ compressionLevel: 9 }).toBuffer());
  await assert.rejects(engine.analyze(huge), rejectsWith('ERROR_INVALID_IMAGE', 503));
  await assert.rejects(engine.analyze(new Uint8Array(16 * 1024 * 1024).fill(0xff)), rejectsWith('ERROR_INVALID_IMAGE', 503));
  const blank = new Uint8Array(await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).jpeg().toBuffer());
  await assert.rejects(engine.template(blank), rejectsWith('ERROR_INVALID_IMAGE', 503));
});

test('WebP decodes to the same face as the JPEG it came from', async () => {
  const jpeg = readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`);
  const webp = new Uint8Array(await sharp(jpeg).webp({ quality: 95 }).toBuffer());
  const [a, b] = await Promise.all([engine.template(jpeg), engine.template(webp)]);
  assert.equal(b.analysis.format, 'webp');
  assert.ok(cosineSimilarity(a.template, b.template) > 0.95);
});

test('templates of another model id refuse to compare', async () => {
  const { template } = await engine.template(readImage(`${DATASETS}/dlib-johns/${labelledImages('dlib-johns')[0].file}`));
  const foreign: FaceTemplate = { modelId: 'other-pack@1/other', vector: template.vector };
  assert.throws(() => engine.compareTemplates(template, foreign, 'selfie', 'HIGH'), rejectsWith('ERROR_TEMPLATE_MODEL_MISMATCH', 701));
});

test('quality modes: several faces is 509, a blurred face is 510 with the reason, a clean frame passes', async () => {
  await assert.rejects(engine.gatedTemplate(readImage(`${DATASETS}/faceapi-bbt/images/bbt1.jpg`), 'ENROL'), rejectsWith('ERROR_MULTIPLE_FACES', 509));
  const sharp640 = new Uint8Array(await sharp(readImage(`${DATASETS}/lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg`)).resize(480, 480).extend({ left: 80, right: 80, extendWith: 'mirror' }).jpeg().toBuffer());
  const passed = await engine.gatedTemplate(sharp640, 'VERIFY');
  assert.equal(passed.template.vector.length, 512);
  const blurred = new Uint8Array(await sharp(sharp640).blur(6).jpeg().toBuffer());
  await assert.rejects(engine.gatedTemplate(blurred, 'VERIFY'), (e: unknown) => rejectsWith('ERROR_POOR_ICAO_QUALITY', 510)(e) && /quality/i.test((e as Error).message));
  assert.equal((await engine.gatedTemplate(blurred, 'DISABLED')).template.vector.length, 512);
});
