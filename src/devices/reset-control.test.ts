// Port CF9h driven as Linux's native_machine_emergency_restart (BOOT_CF9_FORCE) does.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { ResetControl, CF9_RESET_VALUE, type ResetKind } from './reset-control';
import type { AccessSize } from './device';

function rig() {
  const resets: ResetKind[] = [];
  return { rc: new ResetControl({ reset: (k) => resets.push(k) }), resets };
}

/** reboot.c: cf9 = inb(0xcf9) & ~code; outb(cf9 | 2); udelay(50); outb(cf9 | code). */
function linuxCf9(rc: ResetControl, code: number): void {
  const cf9 = rc.read(0, 1) & ~code;
  rc.write(0, 1, cf9 | 2);
  rc.write(0, 1, cf9 | code);
}

test('warm (06h) and cold (0Eh) resets; the preparatory 02h write does not reset', () => {
  const { rc, resets } = rig();
  rc.write(0, 1, 0x02);
  assert.deepEqual(resets, []);
  assert.equal(rc.read(0, 1), 0x02);
  linuxCf9(rc, 0x06);
  assert.deepEqual(resets, ['warm']);
  assert.equal(rc.read(0, 1), 0x02, 'RST_CPU does not read back');
  linuxCf9(rc, 0x0e);
  assert.deepEqual(resets, ['warm', 'cold']);
  assert.equal(CF9_RESET_VALUE, 0x06);
});

test('writes without RST_CPU never reset', () => {
  const { rc, resets } = rig();
  for (let v = 0; v < 0x100; v++) if (!(v & 4)) rc.write(0, 1, v);
  assert.deepEqual(resets, []);
});

test('property: random accesses never throw; reset iff a write at offset 0 has bit 2', () => {
  const op = fc.record({ write: fc.boolean(), off: fc.integer({ min: 0, max: 3 }), size: fc.constantFrom<AccessSize>(1, 2, 4), v: fc.integer({ min: 0, max: 0xffff_ffff }) });
  fc.assert(fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
    const { rc, resets } = rig();
    let expected = 0;
    for (const o of ops) {
      if (o.write) { rc.write(o.off, o.size, o.v); if (o.off === 0 && o.v & 4) expected++; }
      else assert.ok(rc.read(o.off, o.size) < 2 ** (8 * o.size));
    }
    assert.equal(resets.length, expected);
  }));
});
