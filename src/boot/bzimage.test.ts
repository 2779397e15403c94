import test = require('node:test');
import assert = require('node:assert/strict');
import { readFileSync } from 'node:fs';
import { parseBzImage } from './bzimage';
import {
  KernelFormatError, KernelHeaderError, KernelTruncatedError, KernelUnsupportedError,
} from './errors';
import { hostKernelPath, makeBzImage } from './fixtures';

test('a minimal 2.15 header parses; setup_sects 0 means 4', () => {
  const h = parseBzImage(makeBzImage({ setupSects: 0, pmSize: 0x2000 }));
  assert.equal(h.setupSects, 4);
  assert.equal(h.pmOffset, 5 * 512);
  assert.equal(h.pmSize, 0x2000);
  assert.equal(h.version, 0x20f);
  assert.equal(h.setupHeader.length, 0x26c - 0x1f1);
  const h2 = parseBzImage(makeBzImage({ setupSects: 7 }));
  assert.equal(h2.pmOffset, 8 * 512);
});

test('each malformed header gets its own error naming the file and the field', () => {
  const img = makeBzImage();
  const bad = (mut: (b: Uint8Array) => void): Uint8Array => {
    const b = img.slice();
    mut(b);
    return b;
  };
  assert.throws(() => parseBzImage(bad((b) => { b[0x1fe] = 0; }), '/k'),
    (e: Error) => e instanceof KernelFormatError && /^\/k: not a bzImage: boot signature 0xAA55 missing at 0x1FE/.test(e.message));
  assert.throws(() => parseBzImage(bad((b) => { b[0x202] = 0; })), KernelFormatError);
  assert.throws(() => parseBzImage(makeBzImage({ version: 0x20b })), /boot protocol 2.11 is too old/);
  assert.throws(() => parseBzImage(makeBzImage({ xloadflags: 0x7e })), KernelUnsupportedError);
  assert.throws(() => parseBzImage(makeBzImage({ loadflags: 0 })), /zImage/);
  assert.throws(() => parseBzImage(makeBzImage({ syssize: 0 })), KernelHeaderError);
  assert.throws(() => parseBzImage(makeBzImage({ kernelAlignment: 0x3000 })), /kernel_alignment/);
  assert.throws(() => parseBzImage(bad((b) => { b[0x201] = 0x10; })), /setup header end/);
  assert.throws(() => parseBzImage(img.subarray(0, 0x100)), KernelTruncatedError);
  assert.throws(() => parseBzImage(img.subarray(0, 5 * 512)), /setup_sects = 4 puts the protected-mode kernel at 0xA00/);
  assert.throws(() => parseBzImage(img.subarray(0, img.length - 100)), /truncated: the protected-mode kernel is .* syssize/);
  assert.throws(() => parseBzImage(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, ...new Uint8Array(0x300)])), /ELF file/);
});

test('trailing bytes after syssize (a signed kernel) are accepted', () => {
  const img = makeBzImage({ pmSize: 0x3000, syssize: 0x2000 / 16 });
  assert.equal(parseBzImage(img).pmSize, 0x3000);
});

test("Debian's kernel parses (skipped when /boot has none)", (t) => {
  const path = hostKernelPath();
  if (path === undefined) return t.skip('no /boot/vmlinuz-*');
  const h = parseBzImage(new Uint8Array(readFileSync(path)), path);
  assert.ok(h.version >= 0x20c);
  assert.equal(h.pmOffset + h.pmSize, readFileSync(path).length);
  assert.ok(h.pmSize >= h.syssize * 16 - 15);
  assert.match(h.kernelVersion ?? '', /^\d+\.\d+/);
  assert.ok(h.initSize > h.pmSize);
});
