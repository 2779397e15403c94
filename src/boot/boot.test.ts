import test = require('node:test');
import assert = require('node:assert/strict');
import { detectKernel, planBoot } from './boot';
import { KernelFormatError, MemorySizeError, ModuleError } from './errors';
import { makeBzImage, makeMultibootElf32 } from './fixtures';
import { regionSize } from './plan';

const MiB = 2 ** 20;

test('planBoot: bzImage gets ACPI, RSDP in the zero page, one disjoint region list', () => {
  const p = planBoot({ kernel: makeBzImage(), cmdline: 'console=ttyS0', memoryBytes: 64 * MiB, cpus: 2, initrd: new Uint8Array(9000) });
  assert.equal(p.kernelPlan.protocol, 'linux64');
  assert.ok(p.acpi !== undefined);
  const names = p.regions.map((r) => r.what);
  for (const n of ['ACPI RSDP', 'ACPI tables', 'zero page (boot_params)', 'initrd', 'protected-mode kernel']) assert.ok(names.includes(n), n);
  for (let i = 1; i < p.regions.length; i++) assert.ok(p.regions[i - 1].gpa + regionSize(p.regions[i - 1]) <= p.regions[i].gpa);
  const zp = p.regions.find((r) => r.what === 'zero page (boot_params)');
  assert.ok(zp?.kind === 'data');
  assert.equal(zp.bytes[0x70] | (zp.bytes[0x71] << 8) | (zp.bytes[0x72] << 16), 0xe0000);
  assert.equal(p.cpu, p.kernelPlan.cpu);
});

test('planBoot: multiboot kernel with the initrd as module 0; modules refused for Linux', () => {
  const kernel = makeMultibootElf32(0x200000, new Uint8Array(32));
  const p = planBoot({ kernel, memoryBytes: 16 * MiB, initrd: new Uint8Array(10), initrdPath: 'rd.img' });
  assert.equal(p.kernelPlan.protocol, 'multiboot');
  assert.equal(p.kernelPlan.placed.filter((x) => x.what.startsWith('module')).length, 1);
  assert.throws(() => planBoot({ kernel: makeBzImage(), memoryBytes: 64 * MiB, modules: [{ bytes: new Uint8Array(1), cmdline: '' }] }), ModuleError);
  assert.equal(planBoot({ kernel, memoryBytes: 16 * MiB, acpi: false }).acpi, undefined);
});

test('detectKernel and bad sizes', () => {
  assert.equal(detectKernel(makeBzImage()), 'bzimage');
  assert.equal(detectKernel(makeMultibootElf32(0x200000, new Uint8Array(4))), 'multiboot');
  assert.throws(() => detectKernel(new Uint8Array(0), '/empty'), /\/empty: the file is empty/);
  assert.throws(() => detectKernel(new Uint8Array(100).fill(0x41)), KernelFormatError);
  assert.throws(() => planBoot({ kernel: makeBzImage(), memoryBytes: 1000 }), MemorySizeError);
});
