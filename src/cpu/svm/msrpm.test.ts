import { test } from 'node:test';
import assert = require('node:assert/strict');
import { PhysMem } from '../phys-mem';
import { MSRPM_SIZE, msrAccessIntercepted, setMsrIntercept, msrpmBitIndex } from './msrpm';

const MSRPM = 0x2000;

test('MSRPM is 8 KiB', () => {
  assert.equal(MSRPM_SIZE, 8192);
});

test('bit positions per range (svm.md 8)', () => {
  assert.equal(msrpmBitIndex(0x0), 0);
  assert.equal(msrpmBitIndex(0x1fff), 0x1fff * 2);
  assert.equal(msrpmBitIndex(0xc000_0080), 0x800 * 8 + 0x80 * 2); // EFER
  assert.equal(msrpmBitIndex(0xc001_0117), 0x1000 * 8 + 0x117 * 2); // VM_HSAVE_PA
  assert.equal(msrpmBitIndex(0x2000), -1);
  assert.equal(msrpmBitIndex(0xc000_2000), -1);
  assert.equal(msrpmBitIndex(0xc001_2000), -1);
  assert.equal(msrpmBitIndex(0xbfff_ffff), -1);
  assert.equal(msrpmBitIndex(-1), -1); // 0xFFFFFFFF
});

for (const [label, msr, byteOff] of [
  ['range 0 (0000_0000-0000_1FFF)', 0x0000_0174, 0x0000],
  ['range 1 (C000_0000-C000_1FFF)', 0xc000_0082, 0x0800],
  ['range 2 (C001_0000-C001_1FFF)', 0xc001_1fff, 0x1000],
] as const) {
  test(`read and write bits, ${label}`, () => {
    const mem = new PhysMem(0x8000);
    const idx = (msr & 0x1fff) * 2;
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, false), false);
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, true), false);
    setMsrIntercept(mem, MSRPM, msr, false, true);
    assert.equal(mem.read8(MSRPM + byteOff + (idx >> 3)), 2 << (idx & 7));
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, false), false);
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, true), true);
    setMsrIntercept(mem, MSRPM, msr, true, false);
    assert.equal(mem.read8(MSRPM + byteOff + (idx >> 3)), 1 << (idx & 7));
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, false), true);
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, true), false);
    // Neighbours untouched; low 12 bits of the base ignored.
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr - 1, false), false);
    assert.equal(msrAccessIntercepted(mem, MSRPM + 0x123, msr, false), true);
    setMsrIntercept(mem, MSRPM, msr, false, false);
    assert.equal(mem.read8(MSRPM + byteOff + (idx >> 3)), 0);
  });
}

test('MSRs outside the ranges always intercept and cannot be set', () => {
  const mem = new PhysMem(0x8000);
  for (const msr of [0x2000, 0x4000_0000, 0xc000_2000, 0xc001_2000, 0xc002_0000, 0xffff_ffff]) {
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, false), true);
    assert.equal(msrAccessIntercepted(mem, MSRPM, msr, true), true);
    assert.throws(() => setMsrIntercept(mem, MSRPM, msr, false, false), RangeError);
  }
});

test('a map full of ones intercepts everything, reserved area unused', () => {
  const mem = new PhysMem(0x8000);
  mem.fill(MSRPM, 0x1800, 0xff);
  assert.equal(msrAccessIntercepted(mem, MSRPM, 0x10, false), true);
  assert.equal(msrAccessIntercepted(mem, MSRPM, 0xc001_0000, true), true);
  mem.fill(MSRPM, 0x1800, 0);
  mem.fill(MSRPM + 0x1800, 0x800, 0xff);
  assert.equal(msrAccessIntercepted(mem, MSRPM, 0xc001_1fff, true), false);
});
