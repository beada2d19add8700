import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, createZip } from './zip.js';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('python zipfile reads back every entry byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-zip-'));
  const entries = [
    { name: 'result.json', data: Buffer.from('{"status":"accepted"}') },
    { name: 'images/réf.bin', data: Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)) },
  ];
  writeFileSync(join(dir, 'a.zip'), createZip(entries));
  const script = 'import zipfile,sys,hashlib;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print("\\n".join(n+" "+hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()))';
  const listing = execFileSync('python3', ['-c', script, join(dir, 'a.zip')], { encoding: 'utf8' }).trim().split('\n');
  const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  assert.deepEqual(listing, entries.map((e) => `${e.name} ${hash(e.data)}`));
  assert.ok(readFileSync(join(dir, 'a.zip')).length > 3000);
});
