import test = require('node:test');
import assert = require('node:assert/strict');
import { Uart16550, UartSnapshot } from './uart16550';
import { SnapshotError } from './device';

// Offsets (pc-platform.md section 6).
const THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function make() {
  const irq: boolean[] = [];
  const out: number[] = [];
  const u = new Uart16550({ irq: { set: (l) => irq.push(l) }, out: (b) => out.push(...b) });
  const r = (o: number) => u.read(o, 1);
  const w = (o: number, v: number) => u.write(o, 1, v);
  return { u, irq, out, r, w, level: () => irq.length > 0 && irq[irq.length - 1] };
}

test('reset state: LSR THRE|TEMT, IIR no interrupt, IER 0', () => {
  const { r } = make();
  assert.equal(r(LSR), 0x60);
  assert.equal(r(IIR), 0x01);
  assert.equal(r(IER), 0);
});

test('Linux 8250 autoconfig: IER test, loopback MSR 90h, scratch, FIFO detection', () => {
  const { r, w } = make();
  // IER: only the low nibble is writable
  w(IER, 0);
  assert.equal(r(IER) & 0x0f, 0);
  w(IER, 0x0f);
  assert.equal(r(IER) & 0x0f, 0x0f);
  w(IER, 0xff);
  assert.equal(r(IER), 0x0f);
  w(IER, 0);
  // loopback test: MCR = LOOP | OUT2 | RTS -> MSR high nibble 90h
  w(MCR, 0x1a);
  assert.equal(r(MSR) & 0xf0, 0x90);
  w(MCR, 0);
  // scratch register
  w(SCR, 0xa5);
  assert.equal(r(SCR), 0xa5);
  // FIFO detection: EFR write with LCR = BFh, then FCR = 1 gives IIR bits 7:6 = 11
  w(LCR, 0xbf);
  w(2, 0); // EFR (16550: FCR) = 0
  w(LCR, 0);
  w(FCR, 0x01);
  assert.equal(r(IIR) >> 6, 3);
  // no EFR: with DLAB set, offset 2 reads IIR (non-zero), and the TI16750 bit 5 stays clear
  w(LCR, 0x80);
  assert.notEqual(r(2), 0);
  w(LCR, 0);
  w(FCR, 0x21);
  assert.equal(r(IIR) >> 5, 6);
});

test('divisor latch with DLAB', () => {
  const { r, w } = make();
  w(LCR, 0x83);
  w(0, 0x01);
  w(1, 0x00);
  assert.equal(r(0), 1);
  assert.equal(r(1), 0);
  w(LCR, 0x03);
  w(IER, 0x05);
  assert.equal(r(IER), 0x05);
  w(LCR, 0x83);
  assert.equal(r(0), 1); // divisor unchanged by the IER write
});

test('THRE interrupt: raised by enabling THRI, cleared by IIR read, re-armed by IER and THR writes', () => {
  const { r, w, out, level } = make();
  w(MCR, 0x08 | 0x03); // OUT2 lets the IRQ out
  w(FCR, 0x07);
  w(IER, 0x02);
  assert.ok(level());
  assert.equal(r(IIR), 0xc2);
  assert.equal(r(IIR), 0xc1); // the IIR read cleared it
  assert.ok(!level());
  w(IER, 0);
  w(IER, 0x02); // Linux's startup test: re-enabling re-asserts THRE
  assert.equal(r(IIR), 0xc2);
  w(THR, 0x41);
  assert.deepEqual(out, [0x41]);
  assert.ok(level());
  assert.equal(r(LSR) & 0x60, 0x60);
  w(IER, 0);
  assert.ok(!level());
});

test('OUT2 gates the IRQ line', () => {
  const { w, level, irq } = make();
  w(IER, 0x02);
  assert.equal(irq.length, 0);
  w(MCR, 0x08);
  assert.ok(level());
  w(MCR, 0x00);
  assert.ok(!level());
});

test('receive: DR, RX data interrupt at the trigger level, timeout below it, priorities', () => {
  const { u, r, w, level } = make();
  w(MCR, 0x08);
  w(FCR, 0x81); // FIFO, trigger 8
  w(IER, 0x01 | 0x02);
  r(IIR); // consume THRE
  assert.equal(u.receive([1, 2, 3]), 3);
  assert.equal(r(LSR) & 1, 1);
  assert.equal(r(IIR), 0xcc); // timeout id: data below the trigger level
  u.receive([4, 5, 6, 7, 8]);
  assert.equal(r(IIR), 0xc4);
  assert.ok(level());
  const got: number[] = [];
  while (r(LSR) & 1) got.push(r(THR));
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(r(IIR), 0xc1);
  assert.ok(!level());
});

test('receive takes only what fits; non-FIFO mode holds one byte; onRxDrained fires', () => {
  let drained = 0;
  const u = new Uart16550({ onRxDrained: () => drained++ });
  assert.equal(u.receive([1, 2, 3]), 1);
  u.write(FCR, 1, 0x01);
  assert.equal(u.receive(new Uint8Array(20)), 16);
  assert.equal(u.rxFree(), 0);
  for (let i = 0; i < 16; i++) u.read(THR, 1);
  assert.equal(drained, 1);
  assert.equal(u.read(THR, 1), 0); // empty RBR reads 0
});

test('loopback: THR bytes come back on RBR; overrun sets OE and the RLS interrupt wins', () => {
  const { u, r, w, out } = make();
  w(MCR, 0x10);
  w(IER, 0x05);
  w(THR, 0x55);
  assert.deepEqual(out, []);
  assert.equal(r(THR), 0x55);
  w(THR, 1);
  w(THR, 2); // non-FIFO: second byte overruns
  assert.equal(r(IIR), 0x06);
  assert.equal(r(LSR) & 0x03, 0x03);
  assert.equal(r(LSR) & 0x02, 0); // read clears OE
  assert.equal(u.overruns, 1);
  assert.equal(u.receive([9]), 0); // host input is disconnected in loopback
});

test('modem status deltas raise the MSI interrupt and clear on MSR read', () => {
  const { r, w } = make();
  w(MCR, 0x10);
  r(MSR);
  w(IER, 0x08);
  w(MCR, 0x12); // RTS -> CTS changes
  assert.equal(r(IIR), 0x00);
  assert.equal(r(MSR), 0x11);
  assert.equal(r(IIR), 0x01);
});

test('snapshot round-trips; restore rejects bad snapshots without changing state', () => {
  const a = make();
  a.w(LCR, 0x03);
  a.w(FCR, 0x01);
  a.w(SCR, 0x77);
  a.u.receive([10, 20]);
  const snap = a.u.snapshot();
  const b = make();
  b.u.restore(JSON.parse(JSON.stringify(snap)) as UartSnapshot);
  assert.deepEqual(b.u.snapshot(), snap);
  assert.equal(b.r(THR), 10);
  const bad = { ...snap, rx: new Array(17).fill(0) };
  assert.throws(() => b.u.restore(bad), SnapshotError);
  assert.throws(() => b.u.restore({ ...snap, ier: 0x10 }), /ier/);
  assert.throws(() => b.u.restore(null as unknown as UartSnapshot), SnapshotError);
  assert.equal(b.r(SCR), 0x77);
});
