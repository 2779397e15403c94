// Malformed input (STYLE.md "fuzz what the guest controls"): random, truncated and
// bit-flipped images give a plan or a BootError, never another exception, never a hang.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { readFileSync } from 'node:fs';
import { planBoot } from './boot';
import { buildMemoryMap } from './e820';
import { BootError } from './errors';
import { assembleLoopAsm, hostKernelPath, makeBzImage, makeMultibootElf32 } from './fixtures';
import { planLinuxBoot } from './linux';
import { planMultibootBoot } from './multiboot';

const MiB = 2 ** 20;
const map = buildMemoryMap(128 * MiB);

/** Runs f; passes if it returns or throws a BootError; records which error classes were seen. */
function onlyBootErrors(f: () => unknown, seen: Set<string>): void {
  try {
    f();
    seen.add('ok');
  } catch (e) {
    if (!(e instanceof BootError)) throw e;
    assert.ok(e.message.length > 10 && e.message.startsWith(`${e.subject}: `), e.message);
    seen.add(e.name);
  }
}

/** Flip `flips` random bits (offsets biased to the first `hot` bytes, where headers live). */
const mutation = (len: number, hot: number) => fc.record({
  flips: fc.array(fc.tuple(fc.nat(Math.max(0, Math.min(len, hot) - 1)), fc.nat(7)), { maxLength: 8 }),
  far: fc.array(fc.tuple(fc.nat(Math.max(0, len - 1)), fc.nat(7)), { maxLength: 2 }),
  cut: fc.option(fc.nat(len), { nil: undefined }),
});
function mutate(img: Uint8Array, m: { flips: [number, number][]; far: [number, number][]; cut: number | undefined }): Uint8Array {
  const b = img.slice(0, m.cut ?? img.length);
  for (const [off, bit] of [...m.flips, ...m.far]) if (off < b.length) b[off] ^= 1 << bit;
  return b;
}

test('random bytes through planBoot: a plan or a BootError', { timeout: 20000 }, () => {
  const seen = new Set<string>();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 12000 }), (bytes) => {
    onlyBootErrors(() => planBoot({ kernel: bytes, memoryBytes: 64 * MiB, cmdline: 'x' }), seen);
  }), { numRuns: 300 });
  assert.ok(seen.has('KernelFormatError'));
});

test('bit-flipped and truncated bzImages: only BootErrors', { timeout: 20000 }, () => {
  const img = makeBzImage({ pmSize: 0x4000 });
  const seen = new Set<string>();
  fc.assert(fc.property(mutation(img.length, 0x300), fc.string({ maxLength: 40 }), (m, cmdline) => {
    onlyBootErrors(() => planLinuxBoot({
      kernel: mutate(img, m), cmdline, memoryBytes: 128 * MiB, e820: map.e820, initrd: new Uint8Array(4096),
    }), seen);
  }), { numRuns: 1500 });
  assert.ok(seen.has('ok') && seen.size >= 4, [...seen].join());
});

test('bit-flipped and truncated multiboot kernels (ELF32 and a.out): only BootErrors', { timeout: 20000 }, () => {
  const images = [makeMultibootElf32(0x200000, new Uint8Array(256).fill(0x90), 0x1000)];
  const loop = assembleLoopAsm();
  if (loop !== undefined) images.push(loop);
  const seen = new Set<string>();
  for (const img of images) {
    fc.assert(fc.property(mutation(img.length, 0xa0), (m) => {
      onlyBootErrors(() => planMultibootBoot({
        kernel: mutate(img, m), cmdline: 'c', memoryBytes: 128 * MiB, e820: map.e820,
        modules: [{ bytes: new Uint8Array(100), cmdline: 'm' }],
      }), seen);
    }), { numRuns: 1000 });
  }
  assert.ok(seen.has('ok') && seen.size >= 4, [...seen].join());
});

test("truncated and header-flipped Debian kernel: only BootErrors (skipped when absent)", { timeout: 20000 }, (t) => {
  const path = hostKernelPath();
  if (path === undefined) return t.skip('no /boot/vmlinuz-*');
  const kernel = new Uint8Array(readFileSync(path));
  const seen = new Set<string>();
  fc.assert(fc.property(fc.nat(kernel.length), (cut) => {
    onlyBootErrors(() => planBoot({ kernel: kernel.subarray(0, cut), kernelPath: path, memoryBytes: 256 * MiB }), seen);
  }), { numRuns: 60 });
  // Header flips: mutate a copy of the first 4 KiB over the real file.
  const head = kernel.slice(0, 4096);
  fc.assert(fc.property(mutation(4096, 0x280), (m) => {
    const img = kernel.slice();
    img.set(mutate(head, { ...m, cut: undefined }));
    onlyBootErrors(() => planBoot({ kernel: img, kernelPath: path, memoryBytes: 256 * MiB }), seen);
  }), { numRuns: 25 });
  assert.ok(seen.has('KernelTruncatedError'));
});
