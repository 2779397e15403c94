// The IOAPIC driven as Linux's arch/x86/kernel/apic/io_apic.c programs it: IOREGSEL then IOWIN,
// redirection entries written high dword first, mask/unmask by rewriting the low dword.
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import {
  DeliveryMode, Ioapic, IoapicSnapshotError, IOAPIC_PINS, IOREGSEL, IOWIN, IOAPIC_EOI,
  RTE_LEVEL, RTE_MASKED, RTE_REMOTE_IRR, type IoapicMessage,
} from './ioapic';

function rig(id = 0) {
  const got: IoapicMessage[] = [];
  const io = new Ioapic({ deliver: (m) => got.push(m), id });
  const rd = (index: number) => { io.write(IOREGSEL, 4, index); return io.read(IOWIN, 4); };
  const wr = (index: number, v: number) => { io.write(IOREGSEL, 4, index); io.write(IOWIN, 4, v); };
  /** io_apic.c __ioapic_write_entry: high dword, then low dword. */
  const entry = (pin: number, lo: number, hi = 0) => { wr(0x11 + 2 * pin, hi); wr(0x10 + 2 * pin, lo); };
  return { io, got, rd, wr, entry };
}

test('IOAPICVER reads 0017_0011h (version 11h, 24 pins) and the ID register holds bits 27:24', () => {
  const { rd, wr } = rig(2);
  assert.equal(rd(1), 0x0017_0011);
  assert.equal(rd(0), 2 << 24);
  wr(0, 0x0f00_0000 | 0xffffff); // only 27:24 stick
  assert.equal(rd(0), 0x0f00_0000);
  assert.equal(rd(2), 0x0f00_0000, 'ARB reads the ID');
  wr(1, 0); // VER is read-only
  assert.equal(rd(1), 0x0017_0011);
});

test('reset state: all 24 redirection entries masked, nothing delivered', () => {
  const { io, got, rd } = rig();
  for (let pin = 0; pin < IOAPIC_PINS; pin++) {
    assert.equal(rd(0x10 + 2 * pin), RTE_MASKED);
    assert.equal(rd(0x11 + 2 * pin), 0);
    io.setPin(pin, true);
  }
  assert.equal(got.length, 0);
  assert.equal(io.counters.maskedEdges, IOAPIC_PINS);
});

test('edge entry delivers once per rising edge with the programmed fields', () => {
  const { io, got, rd, entry } = rig();
  // vector 31h, lowest priority, logical destination 0000_0001b, edge, active high.
  entry(4, 0x31 | (DeliveryMode.LowestPriority << 8) | (1 << 11), 0x0100_0000);
  assert.equal(rd(0x18), 0x31 | (1 << 8) | (1 << 11));
  assert.equal(rd(0x19), 0x0100_0000);
  io.setPin(4, true);
  io.setPin(4, true); // still high: no new edge
  assert.deepEqual(got, [{ vector: 0x31, deliveryMode: 1, destMode: 'logical', dest: 1, trigger: 'edge' }]);
  io.setPin(4, false);
  io.setPin(4, true);
  assert.equal(got.length, 2);
});

test('mask and unmask: an edge while masked is lost, a later edge is delivered', () => {
  const { io, got, entry } = rig();
  entry(1, 0x21 | RTE_MASKED);
  io.setPin(1, true); io.setPin(1, false);
  assert.equal(got.length, 0);
  entry(1, 0x21); // unmask
  assert.equal(got.length, 0, 'edges are not latched while masked');
  io.setPin(1, true);
  assert.equal(got.length, 1);
});

test('level entry: Remote IRR blocks re-delivery until EOI, which re-delivers while asserted', () => {
  const { io, got, rd, entry } = rig();
  const lo = 0x41 | RTE_LEVEL | (1 << 13); // level, active low (PCI INTx)
  entry(16, lo, 0x0300_0000);
  io.setPin(16, true);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], { vector: 0x41, deliveryMode: 0, destMode: 'physical', dest: 3, trigger: 'level' });
  assert.equal(rd(0x30) & RTE_REMOTE_IRR, RTE_REMOTE_IRR);
  io.setPin(16, true);
  assert.equal(got.length, 1, 'no re-delivery while Remote IRR is set');
  io.eoi(0x42); // another vector
  assert.equal(got.length, 1);
  io.eoi(0x41); // line still asserted: delivered again
  assert.equal(got.length, 2);
  assert.equal(rd(0x30) & RTE_REMOTE_IRR, RTE_REMOTE_IRR);
  io.setPin(16, false);
  io.write(IOAPIC_EOI, 4, 0x41); // the EOI register does the same as the broadcast
  assert.equal(got.length, 2);
  assert.equal(rd(0x30) & RTE_REMOTE_IRR, 0);
  assert.equal(rd(0x30), lo, 'Remote IRR cleared, guest-written bits kept');
});

test('unmasking an asserted level pin delivers; Remote IRR is read-only and cleared by edge mode', () => {
  const { io, got, rd, entry } = rig();
  entry(9, 0x50 | RTE_LEVEL | RTE_MASKED);
  io.setPin(9, true);
  assert.equal(got.length, 0);
  entry(9, 0x50 | RTE_LEVEL | RTE_REMOTE_IRR); // guest cannot set Remote IRR itself
  assert.equal(got.length, 1);
  entry(9, 0x50 | RTE_MASKED); // switch to edge, masked: Remote IRR cleared
  assert.equal(rd(0x22) & RTE_REMOTE_IRR, 0);
});

test('io_apic.c __eoi_ioapic_pin for version 11h: toggling to masked edge and back clears Remote IRR', () => {
  const { io, got, rd, entry } = rig();
  const lo = 0x45 | RTE_LEVEL;
  entry(20, lo);
  io.setPin(20, true);
  assert.equal(got.length, 1);
  entry(20, (lo | RTE_MASKED) & ~RTE_LEVEL); // masked edge
  assert.equal(rd(0x10 + 40) & RTE_REMOTE_IRR, 0);
  io.setPin(20, false);
  entry(20, lo); // restore: line now idle, nothing delivered
  assert.equal(got.length, 1);
  io.setPin(20, true);
  assert.equal(got.length, 2);
});

test('byte and word accesses to IOWIN see the right lanes', () => {
  const { io, entry } = rig();
  entry(0, 0x0001_2345, 0xab00_0000); // bit 12 (delivery status) clear, bit 13 polarity
  io.write(IOREGSEL, 1, 0x10);
  assert.equal(io.read(IOWIN, 1), 0x45);
  assert.equal(io.read(IOWIN + 1, 1), 0x23);
  assert.equal(io.read(IOWIN + 2, 2), 0x0001);
  io.write(IOWIN, 1, 0x77); // merge into the low byte only
  assert.equal(io.read(IOWIN, 4), 0x0001_2377);
});

test('a deliver callback that EOIs synchronously cannot hang the service loop', () => {
  let io!: Ioapic;
  let n = 0;
  io = new Ioapic({ deliver: (m) => { n++; io.eoi(m.vector); } });
  io.write(IOREGSEL, 4, 0x10); io.write(IOWIN, 4, 0x60 | RTE_LEVEL);
  io.setPin(0, true);
  assert.ok(n > 1 && n < 1000, `delivered ${n} times`);
  assert.equal(io.counters.budgetExhausted, 1);
});

test('snapshot round-trips and a malformed snapshot is a typed error', () => {
  const a = rig(5);
  a.entry(3, 0x33 | RTE_LEVEL, 0x0200_0000);
  a.io.setPin(3, true);
  const s = JSON.parse(JSON.stringify(a.io.snapshot()));
  const b = rig();
  b.io.restore(s);
  assert.deepEqual(b.io.snapshot(), a.io.snapshot());
  assert.equal(b.rd(0), 5 << 24);
  assert.throws(() => b.io.restore({ ...s, entries: s.entries.slice(1) }), IoapicSnapshotError);
  assert.throws(() => b.io.restore({ ...s, lines: -1 }), IoapicSnapshotError);
});

test('property: random register accesses, pin changes and EOIs never throw or hang', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('w' as const), off: fc.integer({ min: 0, max: 0xff }), size: fc.constantFrom(1, 2, 4, 8), v: fc.integer({ min: 0, max: 0xffff_ffff }) }),
    fc.record({ k: fc.constant('r' as const), off: fc.integer({ min: 0, max: 0xff }), size: fc.constantFrom(1, 2, 4, 8) }),
    fc.record({ k: fc.constant('p' as const), pin: fc.integer({ min: -2, max: 30 }), level: fc.boolean() }),
    fc.record({ k: fc.constant('e' as const), vector: fc.integer({ min: 0, max: 0xff }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.boolean(), (ops, eoiInCallback) => {
    let io!: Ioapic;
    io = new Ioapic({ deliver: (m) => { if (eoiInCallback) io.eoi(m.vector); } });
    for (const o of ops) {
      if (o.k === 'w') io.write(o.off, o.size as 1 | 2 | 4 | 8, o.v);
      else if (o.k === 'r') {
        const v = io.read(o.off, o.size as 1 | 2 | 4 | 8);
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff);
      } else if (o.k === 'p') io.setPin(o.pin, o.level);
      else io.eoi(o.vector);
    }
  }), { numRuns: 300 });
});
