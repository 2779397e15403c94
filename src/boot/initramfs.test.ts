// scripts/build-initramfs.sh: runs it (only when busybox-static and cpio are already
// installed, so the test never reaches for apt) and reads the newc archive back.
import test = require('node:test');
import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const script = resolve(__dirname, '../../../scripts/build-initramfs.sh');

/** newc entries: name -> data (070701 headers, 4-byte padding). */
function readNewc(buf: Buffer): Map<string, { mode: number; data: Buffer }> {
  const out = new Map<string, { mode: number; data: Buffer }>();
  let off = 0;
  for (let n = 0; n < 10000; n++) {
    assert.equal(buf.toString('latin1', off, off + 6), '070701', `newc magic at ${off}`);
    const field = (i: number): number => parseInt(buf.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.toString('latin1', off + 110, off + 110 + nameSize - 1);
    const dataOff = (off + 110 + nameSize + 3) & ~3;
    if (name === 'TRAILER!!!') return out;
    out.set(name, { mode, data: buf.subarray(dataOff, dataOff + size) });
    off = (dataOff + size + 3) & ~3;
  }
  throw new Error('no TRAILER!!!');
}

test('build-initramfs.sh: busybox, /init with the marker, reproducible', { timeout: 60000 }, (t) => {
  const ready = existsSync('/bin/busybox') && spawnSync('ldd', ['/bin/busybox']).status !== 0 &&
    spawnSync('cpio', ['--version']).status === 0;
  if (!ready) return t.skip('busybox-static or cpio not installed (the script would apt-get them)');
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-initramfs-'));
  try {
    const a = join(dir, 'a.cpio.gz');
    const b = join(dir, 'b.cpio.gz');
    for (const out of [a, b]) {
      const r = spawnSync('sh', [script, out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.deepEqual(readFileSync(a), readFileSync(b), 'same bytes on a second run');
    const files = readNewc(gunzipSync(readFileSync(a)));
    const init = files.get('init');
    assert.ok(init !== undefined);
    assert.equal(init.mode & 0o111, 0o111, 'init is executable');
    const text = init.data.toString('utf8');
    assert.match(text, /^#!\/bin\/sh\n/);
    assert.match(text, /mount -t devtmpfs/);
    assert.match(text, /echo TSVISOR-INIT/);
    assert.deepEqual(files.get('bin/busybox')?.data, readFileSync('/bin/busybox'));
    assert.equal(files.get('bin/sh')?.data.toString(), 'busybox');
    assert.equal(spawnSync('sh', [script]).status, 2, 'usage error without OUT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
