import test = require('node:test');
import assert = require('node:assert/strict');
import { I8259Pair, PicSnapshot } from './i8259';
import { SnapshotError } from './device';

function make() {
  const intr: boolean[] = [];
  const pic = new I8259Pair({ set: (l) => intr.push(l) });
  const out = (port: number, v: number) => {
    if (port === 0x20 || port === 0x21) pic.master.write(port & 1, 1, v);
    else if (port === 0xa0 || port === 0xa1) pic.slave.write(port & 1, 1, v);
    else pic.elcr.write(port & 1, 1, v);
  };
  const inb = (port: number) =>
    port === 0x20 || port === 0x21 ? pic.master.read(port & 1, 1) : port === 0xa0 || port === 0xa1 ? pic.slave.read(port & 1, 1) : pic.elcr.read(port & 1, 1);
  // Linux init_8259A: ICW1 11h, ICW2 30h/38h, ICW3 04h/02h, ICW4 01h, then unmask all.
  const init = (aeoi = false) => {
    out(0x21, 0xff); out(0xa1, 0xff);
    out(0x20, 0x11); out(0x21, 0x30); out(0x21, 0x04); out(0x21, aeoi ? 0x03 : 0x01);
    out(0xa0, 0x11); out(0xa1, 0x38); out(0xa1, 0x02); out(0xa1, 0x01);
    out(0x21, 0x00); out(0xa1, 0x00);
  };
  return { pic, intr, out, inb, init, intrNow: () => pic.intrPending };
}

test('ICW1-4 then IRQ raise -> INTR -> acknowledge gives the vector; EOI', () => {
  const { pic, out, inb, init, intrNow, intr } = make();
  init();
  assert.equal(intrNow(), false);
  pic.setIrq(4, true);
  assert.equal(intrNow(), true);
  assert.equal(intr[intr.length - 1], true);
  assert.equal(pic.acknowledge(), 0x34);
  assert.equal(intrNow(), false);
  out(0x20, 0x0b);
  assert.equal(inb(0x20), 0x10); // ISR
  out(0x20, 0x0a);
  assert.equal(inb(0x20), 0x00); // IRR: edge request cleared by INTA
  out(0x20, 0x20); // non-specific EOI
  out(0x20, 0x0b);
  assert.equal(inb(0x20), 0);
});

test('priority: a higher IRQ preempts, a lower one waits for EOI', () => {
  const { pic, out, init, intrNow } = make();
  init();
  pic.setIrq(4, true);
  assert.equal(pic.acknowledge(), 0x34);
  pic.setIrq(1, true);
  assert.equal(intrNow(), true); // IRQ1 outranks IRQ4 in service
  assert.equal(pic.acknowledge(), 0x31);
  pic.setIrq(6, true);
  assert.equal(intrNow(), false);
  out(0x20, 0x20); // EOI IRQ1 (highest in service)
  assert.equal(intrNow(), false); // IRQ4 still in service
  out(0x20, 0x64); // specific EOI IRQ4
  assert.equal(intrNow(), true);
  assert.equal(pic.acknowledge(), 0x36);
});

test('masking holds a request until unmasked; IMR reads back', () => {
  const { pic, out, inb, init, intrNow } = make();
  init();
  out(0x21, 0x01);
  assert.equal(inb(0x21), 0x01);
  pic.setIrq(0, true);
  pic.setIrq(0, false);
  assert.equal(intrNow(), false);
  out(0x21, 0x00);
  assert.equal(intrNow(), true);
  assert.equal(pic.acknowledge(), 0x30);
});

test('edge: only a rising edge requests; level (ELCR) follows the line', () => {
  const { pic, out, inb, init, intrNow } = make();
  init();
  pic.setIrq(3, true);
  assert.equal(pic.acknowledge(), 0x33);
  out(0x20, 0x20);
  pic.setIrq(3, true); // still high: no new edge
  assert.equal(intrNow(), false);
  out(0x4d1, 0x0e); // IRQ 9-11 level (slave)
  assert.equal(inb(0x4d1), 0x0e);
  out(0x4d0, 0xff);
  assert.equal(inb(0x4d0), 0xf8); // IRQ 0-2 are always edge
  assert.equal(intrNow(), true); // IRQ3 became level while its line is high
  pic.setIrq(3, false);
  assert.equal(intrNow(), false); // ... and a level request follows the line down
  out(0x4d0, 0x00);
  pic.setIrq(10, true);
  assert.equal(pic.acknowledge(), 0x3a);
  out(0xa0, 0x20); out(0x20, 0x20);
  assert.equal(intrNow(), true); // level still asserted: requests again after EOI
  pic.setIrq(10, false);
  assert.equal(intrNow(), false);
});

test('cascade: slave IRQ through master IR2; EOI both', () => {
  const { pic, out, inb, init, intrNow } = make();
  init();
  pic.setIrq(12, true);
  assert.equal(intrNow(), true);
  assert.equal(pic.acknowledge(), 0x3c);
  out(0x20, 0x0b); out(0xa0, 0x0b);
  assert.equal(inb(0x20), 0x04);
  assert.equal(inb(0xa0), 0x10);
  pic.setIrq(8, true); // higher on the slave, but master IR2 is in service
  assert.equal(intrNow(), false);
  out(0xa0, 0x20); out(0x20, 0x20);
  assert.equal(intrNow(), true);
  assert.equal(pic.acknowledge(), 0x38);
});

test('spurious IRQ7 when the request vanished before INTA; IRQ15 on the slave', () => {
  const { pic, out, inb, init } = make();
  init();
  out(0x4d0, 0x20); // IRQ5 level
  pic.setIrq(5, true);
  pic.setIrq(5, false);
  assert.equal(pic.acknowledge(), 0x37);
  out(0x20, 0x0b);
  assert.equal(inb(0x20), 0); // spurious: nothing in service
  out(0x4d1, 0x02); // IRQ9 level
  pic.setIrq(9, true);
  pic.setIrq(9, false);
  assert.equal(pic.acknowledge(), 0x37); // request gone on both chips
  assert.equal(pic.spurious, 2);
});

test('auto-EOI leaves nothing in service; poll command', () => {
  const { pic, out, inb, init } = make();
  init(true);
  pic.setIrq(1, true);
  assert.equal(pic.acknowledge(), 0x31);
  out(0x20, 0x0b);
  assert.equal(inb(0x20), 0);
  pic.setIrq(6, true);
  out(0x20, 0x0c); // OCW3 poll
  assert.equal(inb(0x20), 0x86);
  out(0x20, 0x0c);
  assert.equal(inb(0x20), 0x00);
});

test('rotate on non-specific EOI makes the serviced IRQ lowest', () => {
  const { pic, out, init } = make();
  init();
  pic.setIrq(0, true);
  assert.equal(pic.acknowledge(), 0x30);
  out(0x20, 0xa0); // rotate on non-specific EOI: IRQ0 now lowest
  pic.setIrq(0, false);
  pic.setIrq(0, true);
  pic.setIrq(5, true);
  assert.equal(pic.acknowledge(), 0x35);
});

test('snapshot round-trips and restore validates', () => {
  const a = make();
  a.init();
  a.pic.setIrq(3, true);
  const snap = a.pic.snapshot();
  const b = make();
  b.pic.restore(JSON.parse(JSON.stringify(snap)) as PicSnapshot);
  assert.equal(b.intrNow(), true);
  assert.equal(b.pic.acknowledge(), 0x33);
  assert.throws(() => b.pic.restore({ ...snap, slave: { ...snap.slave, irr: 256 } }), SnapshotError);
  assert.throws(() => b.pic.restore({ master: snap.master } as PicSnapshot), /slave/);
});
