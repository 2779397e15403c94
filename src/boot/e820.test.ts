import test = require('node:test');
import assert = require('node:assert/strict');
import { ACPI_REGION_SIZE, E820_ACPI, E820_RAM, E820_RESERVED, buildMemoryMap, ramTopBelow4G } from './e820';
import { MemorySizeError } from './errors';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

test('256 MiB: low RAM, reserved EBDA/BIOS, RAM from 1 MiB, ACPI at the top', () => {
  const m = buildMemoryMap(256 * MiB);
  assert.deepEqual(m.e820, [
    { addr: 0, size: 0x9fc00, type: E820_RAM },
    { addr: 0x9fc00, size: 0x100000 - 0x9fc00, type: E820_RESERVED },
    { addr: 0x100000, size: 256 * MiB - ACPI_REGION_SIZE - 0x100000, type: E820_RAM },
    { addr: 256 * MiB - ACPI_REGION_SIZE, size: ACPI_REGION_SIZE, type: E820_ACPI },
  ]);
  assert.deepEqual(m.ram, [{ gpa: 0, size: 256 * MiB }]);
  assert.deepEqual(m.acpi, { gpa: 256 * MiB - ACPI_REGION_SIZE, size: ACPI_REGION_SIZE });
  assert.equal(ramTopBelow4G(m.e820), m.acpi.gpa);
});

test('memory above 3 GiB continues at 4 GiB, above the PCI hole; totals match', () => {
  for (const size of [3 * GiB, 3 * GiB + 4096, 8 * GiB]) {
    const m = buildMemoryMap(size);
    const ram = m.e820.filter((e) => e.type !== E820_RESERVED).reduce((n, e) => n + e.size, 0);
    assert.equal(ram + 0x100000 - 0x9fc00, size);
    assert.equal(m.ram.reduce((n, r) => n + r.size, 0), size);
    assert.ok(m.e820.every((e) => e.addr + e.size <= 0xc0000000 || e.addr >= 2 ** 32));
    for (let i = 1; i < m.e820.length; i++) assert.ok(m.e820[i - 1].addr + m.e820[i - 1].size <= m.e820[i].addr);
    if (size > 3 * GiB) assert.deepEqual(m.e820[m.e820.length - 1], { addr: 2 ** 32, size: size - 3 * GiB, type: E820_RAM });
  }
});

test('impossible sizes are refused with MemorySizeError', () => {
  for (const bad of [0, -4096, 1.5, 4097, MiB, NaN, 2 ** 41]) {
    assert.throws(() => buildMemoryMap(bad), MemorySizeError, String(bad));
  }
});
