// The host bridge driven as Linux's arch/x86/pci/direct.c does: the type 1 probe, the sanity
// check, bus-0 scans and conf1 reads/writes with byte and word lanes of CONFIG_DATA.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { PciHost, PciSlotError, pciDevfn } from './pci-host';
import { PciConfigSpace } from './pci-config';
import { ResetControl } from './reset-control';
import type { AccessSize } from './device';

const CF8 = 0, CFC = 4;

/** Linux PCI_CONF1_ADDRESS + pci_conf1_read/write. */
function conf1(host: PciHost) {
  const addr = (devfn: number, reg: number) => (0x8000_0000 | (devfn << 8) | (reg & 0xfc)) >>> 0;
  return {
    read(devfn: number, reg: number, len: 1 | 2 | 4): number {
      host.write(CF8, 4, addr(devfn, reg));
      return host.read(CFC + (reg & (len === 2 ? 2 : len === 1 ? 3 : 0)), len);
    },
    write(devfn: number, reg: number, len: 1 | 2 | 4, v: number): void {
      host.write(CF8, 4, addr(devfn, reg));
      host.write(CFC + (reg & (len === 2 ? 2 : len === 1 ? 3 : 0)), len, v);
    },
  };
}

test('Linux pci_check_type1: CONFIG_ADDRESS reads back 8000_0000h and the sanity check passes', () => {
  const host = new PciHost();
  host.write(3, 1, 0x01); // outb(0x01, 0xCFB): not a 32-bit access, ignored
  const tmp = host.read(CF8, 4);
  host.write(CF8, 4, 0x8000_0000);
  assert.equal(host.read(CF8, 4), 0x8000_0000);
  host.write(CF8, 4, tmp);
  assert.equal(host.read(CF8, 4), 0);
  // pci_sanity_check: some devfn on bus 0 has class 0600h/0300h or vendor 8086h/0E11h.
  const c = conf1(host);
  let ok = false;
  for (let devfn = 0; devfn < 0x100; devfn++) {
    const cls = c.read(devfn, 0x0a, 2), vendor = c.read(devfn, 0x00, 2);
    if (cls === 0x0600 || cls === 0x0300 || vendor === 0x8086 || vendor === 0x0e11) ok = true;
  }
  assert.ok(ok);
});

test('CONFIG_ADDRESS keeps enable, bus, devfn and register; reserved bits read 0', () => {
  const host = new PciHost();
  host.write(CF8, 4, 0xffff_ffff);
  assert.equal(host.read(CF8, 4), 0x80ff_fffc);
  assert.equal(host.read(CF8, 2), 0xffff, 'narrow reads of CONFIG_ADDRESS float');
});

test('bus 0 scan: only 00:00.0 (i440FX host bridge) and the attached function answer', () => {
  const host = new PciHost();
  host.attach(pciDevfn(3, 0), new PciConfigSpace({ vendorId: 0x1af4, deviceId: 0x1042, classCode: 0x01_00_00 }));
  const c = conf1(host);
  const found: string[] = [];
  for (let dev = 0; dev < 32; dev++) {
    const id = c.read(pciDevfn(dev, 0), 0, 4);
    if (id !== 0xffff_ffff) found.push(`${dev}:${id.toString(16)}`);
    else assert.equal(c.read(pciDevfn(dev, 0), 0, 2), 0xffff);
  }
  assert.deepEqual(found, ['0:12378086', '3:10421af4']);
  assert.equal(c.read(0, 0x08, 4), 0x0600_0002, 'class 060000h, revision 02h');
  assert.equal(c.read(0, 0x0e, 1), 0, 'single-function header');
  // Another bus and a disabled CONFIG_ADDRESS read all ones.
  host.write(CF8, 4, 0x8001_0000);
  assert.equal(host.read(CFC, 4), 0xffff_ffff);
  host.write(CF8, 4, 0x0000_0000);
  assert.equal(host.read(CFC, 4), 0xffff_ffff);
  host.write(CFC, 4, 0); // ignored, no throw
  assert.ok(host.counters.absentAccesses > 0);
});

test('byte and word lanes of CONFIG_DATA reach reg + lane', () => {
  const host = new PciHost();
  const c = conf1(host);
  assert.equal(c.read(0, 0x00, 1), 0x86);
  assert.equal(c.read(0, 0x01, 1), 0x80);
  assert.equal(c.read(0, 0x02, 2), 0x1237);
  assert.equal(c.read(0, 0x0b, 1), 0x06);
  c.write(0, 0x3c, 1, 0x0b); // interrupt line
  assert.equal(c.read(0, 0x3c, 4) & 0xff, 0x0b);
  c.write(0, 0x04, 2, 0x0007); // command: I/O, memory, bus master
  assert.equal(c.read(0, 0x04, 2), 0x0007);
  c.write(0, 0x0c, 2, 0x4010); // cache line 10h, latency 40h via a word at lane 0
  assert.equal(c.read(0, 0x0d, 1), 0x40);
  c.write(0, 0x00, 4, 0); // vendor/device are read-only
  assert.equal(c.read(0, 0x00, 4), 0x1237_8086);
});

test('attach rejects an occupied slot, the host bridge slot and bad devfns', () => {
  const host = new PciHost();
  const f = new PciConfigSpace({ vendorId: 1, deviceId: 2, classCode: 0 });
  host.attach(pciDevfn(1, 0), f);
  assert.throws(() => host.attach(pciDevfn(1, 0), f), PciSlotError);
  assert.throws(() => host.attach(0, f), PciSlotError);
  assert.throws(() => host.attach(256, f), PciSlotError);
  assert.equal(host.functionAt(pciDevfn(1, 0)), f);
});

test('byte accesses at CF9h go to the reset control; 32-bit at CF8h stay CONFIG_ADDRESS', () => {
  const resets: string[] = [];
  const host = new PciHost({ cf9: new ResetControl({ reset: (k) => resets.push(k) }) });
  host.write(CF8, 4, 0x8000_0004);
  host.write(1, 1, 0x02);
  assert.equal(host.read(1, 1), 0x02);
  assert.equal(host.read(CF8, 4), 0x8000_0004);
  host.write(1, 1, 0x06);
  assert.deepEqual(resets, ['warm']);
});

test('property: random port accesses never throw and reads fit their width', () => {
  const f = new PciConfigSpace({ vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x02_00_00, interruptPin: 1 });
  f.addBar(0, { kind: 'io', size: 32 });
  f.addBar(1, { kind: 'mem64', size: 0x4000 });
  f.addCapability(0x09, 16);
  const host = new PciHost({ cf9: new ResetControl({ reset: () => {} }) });
  host.attach(pciDevfn(2, 0), f);
  const op = fc.record({
    write: fc.boolean(),
    off: fc.integer({ min: 0, max: 7 }),
    size: fc.constantFrom<AccessSize>(1, 2, 4, 8),
    v: fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0x8000_1000, 0x8000_1010, 0x8000_0000, 0x8000_103c)),
  });
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
    for (const o of ops) {
      if (o.write) host.write(o.off, o.size, o.v);
      else {
        const r = host.read(o.off, o.size);
        assert.ok(Number.isInteger(r) && r >= 0 && r < 2 ** (8 * Math.min(o.size, 4)));
      }
    }
    assert.equal(f.configRead(0, 4), 0x1000_1af4, 'identity is read-only');
  }), { numRuns: 300 });
});
