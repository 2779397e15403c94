import test = require('node:test');
import assert = require('node:assert/strict');
import { I8042 } from './i8042';

function make() {
  let resets = 0;
  const irq1: boolean[] = [];
  const kbc = new I8042({ onReset: () => resets++, irq1: { set: (l) => irq1.push(l) } });
  const cmd = (v: number) => kbc.control.write(0, 1, v);
  const data = (v: number) => kbc.data.write(0, 1, v);
  const status = () => kbc.control.read(0, 1);
  /** Linux i8042_wait_read + read: expects OBF. */
  const readByte = () => {
    assert.equal(status() & 0x01, 1, 'output buffer full');
    return kbc.data.read(0, 1);
  };
  return { kbc, cmd, data, status, readByte, resets: () => resets, irq1 };
}

test('Linux probing: self test, interface test, command byte read/write', () => {
  const { cmd, data, status, readByte } = make();
  assert.equal(status() & 0x02, 0); // IBF never set: the controller is never busy
  cmd(0xaa);
  assert.equal(readByte(), 0x55);
  assert.equal(status() & 0x01, 0);
  cmd(0xab);
  assert.equal(readByte(), 0x00);
  cmd(0x20);
  const ctr = readByte();
  cmd(0x60);
  data(ctr & ~0x03); // disable interrupts, as i8042_controller_init does
  cmd(0x20);
  assert.equal(readByte(), ctr & ~0x03);
  assert.equal(status() & 0x04, ctr & 0x04); // system flag follows CTR bit 2
});

test('AUX enable/disable bits show in CTR; AUX loop echoes as AUX data', () => {
  const { cmd, data, status, readByte } = make();
  cmd(0xa7);
  cmd(0x20);
  assert.equal(readByte() & 0x20, 0x20);
  cmd(0xa8);
  cmd(0x20);
  assert.equal(readByte() & 0x20, 0);
  cmd(0xd3);
  data(0x5a);
  assert.equal(status() & 0x21, 0x21);
  assert.equal(readByte(), 0x5a);
  cmd(0xd4);
  data(0xf2); // to the (absent) mouse: times out
  assert.equal(status() & 0x40, 0x40);
  assert.equal(readByte(), 0xfe);
});

test('keyboard present: ACKs, identifies as MF2, answers reset; no typing', () => {
  const { data, status, readByte, irq1 } = make();
  data(0xf2);
  assert.deepEqual([readByte(), readByte(), readByte()], [0xfa, 0xab, 0x83]);
  data(0xff);
  assert.deepEqual([readByte(), readByte()], [0xfa, 0xaa]);
  data(0xed);
  data(0x07);
  assert.deepEqual([readByte(), readByte()], [0xfa, 0xfa]);
  assert.equal(status() & 0x01, 0);
  assert.ok(irq1.includes(true)); // CTR bit0 is set at reset: device bytes raise IRQ1
  assert.equal(irq1[irq1.length - 1], false);
});

test('reset requests: command FEh, output port bit 0, port 92h; A20', () => {
  const t = make();
  t.cmd(0xfe);
  assert.equal(t.resets(), 1);
  t.cmd(0xff); // pulse nothing
  assert.equal(t.resets(), 1);
  t.cmd(0xd1);
  t.data(0xdf); // A20 on, reset line high
  assert.equal(t.resets(), 1);
  assert.equal(t.kbc.a20, true);
  t.cmd(0xd1);
  t.data(0x00);
  assert.equal(t.resets(), 2);
  t.kbc.portA.write(0, 1, 0x01);
  assert.equal(t.resets(), 3);
});

test('unknown commands are counted; the output queue is bounded', () => {
  const t = make();
  t.cmd(0x01);
  assert.equal(t.kbc.guestErrors, 1);
  for (let i = 0; i < 100; i++) t.cmd(0xaa);
  assert.ok(t.kbc.dropped > 0);
  let n = 0;
  while (t.status() & 1 && n < 1000) {
    t.kbc.data.read(0, 1);
    n++;
  }
  assert.ok(n <= 16);
});
