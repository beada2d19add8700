/** Benchmark inputs: real lfw-dev faces turned into 640x480 JPEG selfies (upscaled, mirrored sides). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DATASETS } from '../test/datasets.js';

export async function selfieJpegs(count: number): Promise<Uint8Array[]> {
  const root = join(DATASETS, 'lfw-dev', 'images');
  const files = readdirSync(root).sort().slice(0, count).map((dir) => join(root, dir, readdirSync(join(root, dir)).sort()[0]));
  return Promise.all(
    files.map(async (file) =>
      new Uint8Array(await sharp(file).resize(480, 480).extend({ left: 80, right: 80, extendWith: 'mirror' }).jpeg({ quality: 90 }).toBuffer()),
    ),
  );
}
