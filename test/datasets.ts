/** Paths into ../shared/datasets, read in place (never copied into the repo). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INSTALL_ROOT } from '../src/config.js';
import { seededRandom } from '../src/core/random.js';

export const DATASETS = resolve(process.env.FACEGATE_DATASETS ?? join(INSTALL_ROOT, '..', 'shared', 'datasets'));

export interface LabelledImage { path: string; identity: string; file: string }

export function labelledImages(dataset: string): LabelledImage[] {
  const dir = join(DATASETS, dataset);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { images: Array<{ file: string; identity?: string; label?: string }> };
  return manifest.images.map((im) => ({ path: join(dir, im.file), file: im.file, identity: im.identity ?? im.label ?? '' }));
}

export const readImage = (path: string): Uint8Array => new Uint8Array(readFileSync(path));


/**
 * A fixed lfw-dev pair list: `genuine` same-identity pairs and as many
 * cross-identity pairs, in "pathA<TAB>pathB<TAB>1|0" form relative to lfw-dev.
 */
export function lfwDevPairs(genuine: number, seed = 20261123): string {
  const images = labelledImages('lfw-dev');
  const byIdentity = new Map<string, string[]>();
  for (const im of images) byIdentity.set(im.identity, [...(byIdentity.get(im.identity) ?? []), im.file]);
  const random = seededRandom(seed);
  const multi = [...byIdentity.values()].filter((files) => files.length >= 2);
  const lines: string[] = [];
  while (lines.length < genuine) {
    const files = multi[Math.floor(random() * multi.length)];
    const i = Math.floor(random() * files.length);
    const j = (i + 1 + Math.floor(random() * (files.length - 1))) % files.length;
    lines.push(`${files[i]}\t${files[j]}\t1`);
  }
  while (lines.length < genuine * 2) {
    const [a, b] = [images[Math.floor(random() * images.length)], images[Math.floor(random() * images.length)]];
    if (a.identity !== b.identity) lines.push(`${a.file}\t${b.file}\t0`);
  }
  return lines.join('\n') + '\n';
}
