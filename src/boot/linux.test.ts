import test = require('node:test');
import assert = require('node:assert/strict');
import { readFileSync } from 'node:fs';
import { CMDLINE_GPA, PML4_GPA, ZERO_PAGE_GPA } from './cpu-state';
import { buildMemoryMap } from './e820';
import { CommandLineError, InitrdPlacementError, InsufficientMemoryError } from './errors';
import { hostKernelPath, makeBzImage } from './fixtures';
import { planLinuxBoot } from './linux';
import { DataRegion, regionSize } from './plan';

const MiB = 2 ** 20;
function plan(memory: number, extra: Partial<Parameters<typeof planLinuxBoot>[0]> = {}, kernel = makeBzImage()) {
  const map = buildMemoryMap(memory);
  return planLinuxBoot({ kernel, cmdline: 'console=ttyS0', memoryBytes: memory, e820: map.e820, ...extra });
}
function region(p: ReturnType<typeof plan>, what: string): DataRegion {
  const r = p.regions.find((x) => x.what === what);
  assert.ok(r !== undefined && r.kind === 'data', what);
  return r;
}

test('zero page: setup header copied, loader fields written, e820 table at 2D0h', () => {
  const kernel = makeBzImage();
  const p = plan(128 * MiB, { initrd: new Uint8Array(10000), acpiRsdp: 0xe0000 }, kernel);
  const zp = region(p, 'zero page (boot_params)');
  assert.equal(zp.gpa, ZERO_PAGE_GPA);
  const dv = new DataView(zp.bytes.buffer, zp.bytes.byteOffset);
  assert.equal(zp.bytes[0x1ef], 0, 'sentinel stays 0');
  assert.equal(dv.getUint32(0x202, true), 0x53726448);
  assert.equal(zp.bytes[0x210], 0xff, 'type_of_loader');
  assert.equal(zp.bytes[0x211], 0x81, 'LOADED_HIGH | CAN_USE_HEAP');
  assert.equal(dv.getUint16(0x1fa, true), 0xffff, 'vid_mode');
  assert.equal(dv.getUint32(0x228, true), CMDLINE_GPA);
  assert.equal(dv.getUint32(0x218, true), p.initrd?.gpa);
  assert.equal(dv.getUint32(0x21c, true), 10000);
  assert.equal(Number(dv.getBigUint64(0x70, true)), 0xe0000);
  assert.equal(zp.bytes[0x1e8], p.e820.length);
  p.e820.forEach((e, i) => {
    assert.equal(Number(dv.getBigUint64(0x2d0 + i * 20, true)), e.addr);
    assert.equal(Number(dv.getBigUint64(0x2d0 + i * 20 + 8, true)), e.size);
    assert.equal(dv.getUint32(0x2d0 + i * 20 + 16, true), e.type);
  });
  // The copied header bytes are the image's.
  assert.deepEqual(zp.bytes.subarray(0x1f1, 0x1fa), kernel.subarray(0x1f1, 0x1fa));
  assert.deepEqual(zp.bytes.subarray(0x1fc, 0x210), kernel.subarray(0x1fc, 0x210));
  assert.deepEqual(zp.bytes.subarray(0x22c, 0x250), kernel.subarray(0x22c, 0x250));
});

test('kernel at 1 MiB, cmdline NUL-terminated, regions disjoint and sorted', () => {
  const kernel = makeBzImage({ setupSects: 3 });
  const p = plan(64 * MiB, {}, kernel);
  const k = region(p, 'protected-mode kernel');
  assert.equal(k.gpa, 0x100000);
  assert.deepEqual(k.bytes, kernel.subarray(4 * 512));
  const c = region(p, 'kernel command line');
  assert.equal(Buffer.from(c.bytes).toString('latin1'), 'console=ttyS0\0');
  for (let i = 1; i < p.regions.length; i++) {
    assert.ok(p.regions[i - 1].gpa + regionSize(p.regions[i - 1]) <= p.regions[i].gpa);
  }
});

test('initrd: page aligned, as high as possible, below initrd_addr_max and the ACPI region', () => {
  const map = buildMemoryMap(256 * MiB);
  const p = plan(256 * MiB, { initrd: new Uint8Array(3 * MiB + 5) });
  assert.ok(p.initrd !== undefined);
  assert.equal(p.initrd.gpa % 4096, 0);
  assert.ok(p.initrd.gpa + p.initrd.size <= map.acpi.gpa);
  assert.ok(p.initrd.gpa + p.initrd.size > map.acpi.gpa - 4096, 'placed at the top');
  const low = plan(256 * MiB, { initrd: new Uint8Array(MiB) }, makeBzImage({ initrdAddrMax: 0x5fffffe }));
  assert.equal(low.initrd?.gpa, 0x5eff000); // last byte <= 0x5FFFFFE
  assert.throws(() => plan(64 * MiB, { initrd: new Uint8Array(60 * MiB) }), InitrdPlacementError);
  assert.throws(() => plan(64 * MiB, { initrd: new Uint8Array(60 * MiB), initrdPath: '/i.gz' }), /InitrdPlacementError: \/i\.gz: /);
  // Above 3 GiB the high RAM is above 4 GiB: the initrd still goes below initrd_addr_max.
  const big = plan(6 * 1024 * MiB, { initrd: new Uint8Array(MiB) });
  assert.equal(big.initrd?.gpa, 0x80000000 - MiB);
});

test('command line longer than cmdline_size or with NUL is refused', () => {
  assert.throws(() => plan(64 * MiB, { cmdline: 'x'.repeat(300) }, makeBzImage({ cmdlineSize: 255 })),
    (e: Error) => e instanceof CommandLineError && /300 bytes; this kernel accepts at most 255/.test(e.message));
  assert.doesNotThrow(() => plan(64 * MiB, { cmdline: 'x'.repeat(255) }, makeBzImage({ cmdlineSize: 255 })));
  assert.throws(() => plan(64 * MiB, { cmdline: 'a\0b' }), CommandLineError);
});

test('too little memory for pref_address + init_size names the size needed', () => {
  assert.throws(() => plan(16 * MiB, {}, makeBzImage({ initSize: 8 * MiB })),
    (e: Error) => e instanceof InsufficientMemoryError && /at least 25 MiB/.test(e.message));
});

test('CPU state: startup_64, RSI = zero page, long mode, identity page tables cover 4 GiB', () => {
  const p = plan(64 * MiB);
  const s = p.cpu;
  assert.equal(s.mode, 'long64');
  assert.equal(s.rip, 0x100200);
  assert.equal(s.rsi, ZERO_PAGE_GPA);
  assert.equal(s.cr3, PML4_GPA);
  assert.equal((s.cr0 & 0x80000001) >>> 0, 0x80000001);
  assert.equal(s.cr4 & 0x20, 0x20);
  assert.equal(s.efer, 0x500);
  assert.equal(s.rflags & 0x200, 0, 'IF clear');
  assert.equal(s.cs.selector, 0x10);
  assert.equal(s.ds.selector, 0x18);
  assert.equal((s.cs.attrib >> 9) & 1, 1, 'CS.L');
  // Walk the tables as the MMU would for a few addresses.
  const pt = region(p, 'identity page tables');
  const dv = new DataView(pt.bytes.buffer, pt.bytes.byteOffset);
  const q = (gpa: number): number => Number(dv.getBigUint64(gpa - pt.gpa, true));
  for (const va of [0, 0x7000, 0x100200, 0x3fe00000, 0xbfff1234, 0xfee00000]) {
    const pml4e = q(s.cr3 + ((va / 2 ** 39) & 511) * 8);
    assert.equal(pml4e & 1, 1);
    const pdpte = q((pml4e & ~0xfff) + ((va / 2 ** 30) & 511) * 8);
    assert.equal(pdpte & 1, 1);
    const pde = q((pdpte & ~0xfff) + ((va >>> 21) & 511) * 8);
    assert.equal(pde & 0x83, 0x83);
    assert.equal((pde - (pde % 0x200000)) + (va % 0x200000), va);
  }
  const gdt = region(p, 'boot GDT');
  const gdv = new DataView(gdt.bytes.buffer, gdt.bytes.byteOffset);
  assert.equal(gdv.getBigUint64(0x10, true), 0x00af9b000000ffffn);
  assert.equal(gdv.getBigUint64(0x18, true), 0x00cf93000000ffffn);
  assert.equal(s.gdtr.limit + 1, gdt.bytes.length);
});

test("Debian's kernel plans with an initrd in 256 MiB (skipped when absent)", (t) => {
  const path = hostKernelPath();
  if (path === undefined) return t.skip('no /boot/vmlinuz-*');
  const kernel = new Uint8Array(readFileSync(path));
  const p = plan(256 * MiB, { kernel, kernelPath: path, initrd: new Uint8Array(2 * MiB) }, kernel);
  assert.ok(p.initrd !== undefined && p.initrd.gpa >= p.kernelFootprint.end);
  assert.equal(p.kernelFootprint.end, p.header.prefAddress + p.header.initSize);
  assert.throws(() => plan(32 * MiB, { kernel, kernelPath: path }, kernel), new RegExp(`InsufficientMemoryError: ${path}: the kernel needs RAM`));
});
