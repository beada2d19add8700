#!/usr/bin/env node
/**
 * Builds the browser capture SDK (docs/capture-sdk.md):
 *   dist/sdk/facegate-capture.js   the SDK, one ESM file (+ .map)
 *   dist/sdk/capture-page.js       the hosted capture page's script, SDK included (+ .map)
 *   dist/sdk/capture-page.html     the hosted page, into which the server injects its config
 *   dist/test/sdk/*.test.js        the SDK's Node unit tests, where `npm test` finds them
 * esbuild does not type-check, so tsc checks the browser sources (DOM lib) first.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'sdk');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const typeCheck = async (project) => {
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', join(root, project)]);
  } catch (err) {
    // tsc reports type errors on stdout.
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`tsc -p ${project} failed`);
  }
};
await Promise.all([typeCheck('sdk/tsconfig.json'), typeCheck('sdk/tsconfig.node-test.json')]);

const common = { bundle: true, format: 'esm', target: 'es2020', minify: true, sourcemap: true, legalComments: 'none', logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'sdk/src/index.ts')], outfile: join(out, 'facegate-capture.js') }),
  build({ ...common, entryPoints: [join(root, 'sdk/src/capture-page.ts')], outfile: join(out, 'capture-page.js') }),
]);
mkdirSync(out, { recursive: true });
copyFileSync(join(root, 'sdk/capture-page.html'), join(out, 'capture-page.html'));
