// PciConfigSpace: BAR sizing as Linux's __pci_read_base does it (write all ones, read back,
// restore), masks, status write-1-to-clear and the capability chain.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import {
  PciConfigError, PciConfigSpace, PCI_COMMAND, PCI_STATUS, PCI_STATUS_CAP_LIST, PCI_STATUS_INTERRUPT,
  PCI_CAPABILITY_LIST, PCI_INTERRUPT_PIN, PCI_INTERRUPT_LINE,
} from './pci-config';

function testFunction() {
  const f = new PciConfigSpace({ vendorId: 0x1af4, deviceId: 0x1041, classCode: 0x02_00_00, revision: 1, interruptPin: 1, subsystemId: 0x40 });
  f.addBar(0, { kind: 'io', size: 0x20 });
  f.addBar(1, { kind: 'mem32', size: 0x1000 });
  f.addBar(2, { kind: 'mem64', size: 0x4000, prefetchable: true });
  f.addBar(4, { kind: 'mem64', size: 2 ** 33 });
  return f;
}

/** Linux __pci_read_base: returns [flags, size] of BAR `i` (and i+1 for 64-bit). */
function sizeBar(f: PciConfigSpace, i: number): { flags: number; size: number } {
  const off = 0x10 + 4 * i;
  const orig = f.configRead(off, 4);
  f.configWrite(off, 4, 0xffff_ffff);
  const lo = f.configRead(off, 4);
  f.configWrite(off, 4, orig);
  if (lo & 1) {
    const mask = (lo & ~3) >>> 0;
    return { flags: lo & 3, size: (mask & -mask) >>> 0 };
  }
  let mask = (lo & ~0xf) >>> 0;
  if ((lo & 6) === 4) {
    const origHi = f.configRead(off + 4, 4);
    f.configWrite(off + 4, 4, 0xffff_ffff);
    const hi = f.configRead(off + 4, 4);
    f.configWrite(off + 4, 4, origHi);
    mask = hi * 2 ** 32 + mask;
  }
  // lowest set bit of a 64-bit mask
  let size = 1;
  while (size < 2 ** 64 && Math.floor(mask / size) % 2 === 0) size *= 2;
  return { flags: lo & 0xf, size };
}

test('BAR sizing: I/O, 32-bit memory, 64-bit prefetchable memory, a BAR above 4 GiB', () => {
  const f = testFunction();
  assert.deepEqual(sizeBar(f, 0), { flags: 1, size: 0x20 });
  assert.deepEqual(sizeBar(f, 1), { flags: 0, size: 0x1000 });
  assert.deepEqual(sizeBar(f, 2), { flags: 0xc, size: 0x4000 });
  assert.deepEqual(sizeBar(f, 4), { flags: 0x4, size: 2 ** 33 });
  assert.equal(f.configRead(0x14, 4), 0, 'restored to 0 after sizing');
  assert.equal(f.configRead(0x30, 4), 0, 'no expansion ROM: sizing reads 0');
  f.configWrite(0x30, 4, 0xffff_ffff);
  assert.equal(f.configRead(0x30, 4), 0);
});

test('BAR addresses: programmed bases come back without type bits; sub-size bits are not writable', () => {
  const f = testFunction();
  f.configWrite(0x10, 4, 0xc05f); // I/O BAR of 32 bytes: low 5 bits hardwired
  assert.equal(f.configRead(0x10, 4), 0xc041);
  assert.equal(f.barAddress(0), 0xc040);
  f.configWrite(0x14, 4, 0xfebf_1234);
  assert.equal(f.barAddress(1), 0xfebf_1000);
  f.configWrite(0x18, 4, 0xfe00_0000);
  f.configWrite(0x1c, 4, 0x1);
  assert.equal(f.barAddress(2), 0x1_fe00_0000);
  assert.equal(f.barAddress(3), undefined, 'upper half of a 64-bit BAR');
  f.configWrite(0x20, 4, 0xffff_fff0); // 8 GiB BAR: low dword is entirely below the size
  f.configWrite(0x24, 4, 0x5);
  assert.equal(f.barAddress(4), 4 * 2 ** 32);
  assert.equal(f.barAddress(5), undefined);
});

test('command is masked, status error bits are write-1-to-clear, INTx status and pin are read-only', () => {
  const f = testFunction();
  f.configWrite(PCI_COMMAND, 2, 0xffff);
  assert.equal(f.command, 0x0547);
  f.set16(PCI_STATUS, 0x8000 | 0x2000);
  f.setInterruptStatus(true);
  f.configWrite(PCI_STATUS, 2, 0x8000 | PCI_STATUS_INTERRUPT);
  assert.equal(f.configRead(PCI_STATUS, 2), 0x2000 | PCI_STATUS_INTERRUPT);
  // A dword write to command must not clear status bits written as 0.
  f.configWrite(PCI_COMMAND, 4, 0x0000_0003);
  assert.equal(f.configRead(PCI_STATUS, 2), 0x2000 | PCI_STATUS_INTERRUPT);
  f.configWrite(PCI_INTERRUPT_LINE, 2, 0xff05);
  assert.equal(f.configRead(PCI_INTERRUPT_LINE, 1), 5);
  assert.equal(f.configRead(PCI_INTERRUPT_PIN, 1), 1);
  assert.equal(f.configRead(0x08, 4), 0x0200_0001);
  assert.equal(f.configRead(0x2e, 2), 0x40);
});

test('capability list: pointer at 34h, status bit 4, chained dword-aligned entries', () => {
  const f = testFunction();
  assert.equal(f.configRead(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
  const a = f.addCapability(0x09, 16);
  const b = f.addCapability(0x11, 12);
  const c = f.addCapability(0x09, 17);
  const d = f.addCapability(0x09, 20);
  assert.deepEqual([a, b, c, d], [0x40, 0x50, 0x5c, 0x70]);
  assert.equal(f.configRead(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
  const walked: number[] = [];
  for (let p = f.configRead(PCI_CAPABILITY_LIST, 1), n = 0; p && n < 48; p = f.configRead(p + 1, 1), n++) walked.push(f.configRead(p, 1));
  assert.deepEqual(walked, [0x09, 0x11, 0x09, 0x09]);
  f.configWrite(a + 1, 1, 0); // chain pointers are read-only to the guest
  assert.equal(f.configRead(a + 1, 1), b);
  assert.throws(() => f.addCapability(0x09, 0x100), PciConfigError);
});

test('bad BAR declarations are typed errors', () => {
  const f = testFunction();
  assert.throws(() => f.addBar(1, { kind: 'io', size: 16 }), PciConfigError, 'taken');
  assert.throws(() => f.addBar(3, { kind: 'io', size: 16 }), PciConfigError, 'upper half taken');
  const g = new PciConfigSpace({ vendorId: 1, deviceId: 1, classCode: 0 });
  assert.throws(() => g.addBar(0, { kind: 'mem32', size: 24 }), PciConfigError);
  assert.throws(() => g.addBar(0, { kind: 'io', size: 512 }), PciConfigError);
  assert.throws(() => g.addBar(5, { kind: 'mem64', size: 0x1000 }), PciConfigError);
  assert.throws(() => g.addBar(6, { kind: 'mem32', size: 0x1000 }), PciConfigError);
});

test('snapshot restores writable state only', () => {
  const f = testFunction();
  f.configWrite(0x14, 4, 0xfebf_0000);
  f.configWrite(PCI_COMMAND, 2, 2);
  const s = f.snapshot();
  const g = testFunction();
  g.restore({ bytes: s.bytes.map((b, i) => (i < 4 ? 0 : b)) });
  assert.equal(g.barAddress(1), 0xfebf_0000);
  assert.equal(g.command, 2);
  assert.equal(g.configRead(0, 4), 0x1041_1af4, 'identity not taken from a snapshot');
  assert.throws(() => g.restore({ bytes: [1, 2] }), PciConfigError);
});

test('property: random config accesses never throw; read-only identity and BAR type bits hold', () => {
  const f = testFunction();
  const op = fc.record({ write: fc.boolean(), reg: fc.integer({ min: -4, max: 260 }), size: fc.constantFrom<1 | 2 | 4>(1, 2, 4), v: fc.integer({ min: 0, max: 0xffff_ffff }) });
  fc.assert(fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
    for (const o of ops) {
      if (o.write) f.configWrite(o.reg, o.size, o.v);
      else {
        const r = f.configRead(o.reg, o.size);
        assert.ok(Number.isInteger(r) && r >= 0 && r < 2 ** (8 * o.size));
      }
    }
    assert.equal(f.configRead(0, 4), 0x1041_1af4);
    assert.equal(f.configRead(0x10, 4) & 3, 1);
    assert.equal(f.configRead(0x18, 4) & 0xf, 0xc);
  }), { numRuns: 300 });
});
