import test = require('node:test');
import assert = require('node:assert/strict');
import { CmosRtc, CmosSnapshot } from './cmos-rtc';
import { SnapshotError } from './device';

function make(t: { ms: number }, memory?: ConstructorParameters<typeof CmosRtc>[1]) {
  const rtc = new CmosRtc(() => t.ms, memory);
  const rd = (reg: number) => {
    rtc.write(0, 1, reg);
    return rtc.read(1, 1);
  };
  const wr = (reg: number, v: number) => {
    rtc.write(0, 1, reg);
    rtc.write(1, 1, v);
  };
  return { rtc, rd, wr };
}

// 2024-02-29 (a Thursday) 21:07:09 UTC
const T = Date.UTC(2024, 1, 29, 21, 7, 9, 500);

test('time in BCD, 24-hour (the reset format Linux reads)', () => {
  const { rd } = make({ ms: T });
  assert.equal(rd(0x0b) & 0x06, 0x02);
  assert.deepEqual([0, 2, 4, 6, 7, 8, 9, 0x32].map(rd), [0x09, 0x07, 0x21, 0x05, 0x29, 0x02, 0x24, 0x20]);
  assert.equal(rd(0x0d), 0x80);
});

test('binary and 12-hour formats per register B', () => {
  const { rd, wr } = make({ ms: T });
  wr(0x0b, 0x04); // binary, 12 h
  assert.equal(rd(0), 9);
  assert.equal(rd(4), 0x80 | 9); // 9 PM
  assert.equal(rd(9), 24);
  wr(0x0b, 0x00); // BCD, 12 h
  assert.equal(rd(4), 0x80 | 0x09);
  const midnight = make({ ms: Date.UTC(2024, 0, 1, 0, 30) });
  midnight.wr(0x0b, 0x00);
  assert.equal(midnight.rd(4), 0x12); // 12 AM
});

test('the clock advances with the wall clock', () => {
  const t = { ms: T };
  const { rd } = make(t);
  t.ms += 61_000;
  assert.equal(rd(2), 0x08);
  assert.equal(rd(0), 0x10);
});

test('setting the time with the SET bit moves the guest clock, not the host', () => {
  const t = { ms: T };
  const { rd, wr, rtc } = make(t);
  wr(0x0b, 0x82); // SET
  wr(0x04, 0x05); // 05 h
  wr(0x09, 0x30); // 2030
  assert.equal(rd(4), 0x05); // frozen while SET
  wr(0x0b, 0x02);
  assert.equal(rd(4), 0x05);
  assert.equal(rd(9), 0x30);
  assert.equal(rd(2), 0x07); // fields not written kept their value
  t.ms += 3600_000;
  assert.equal(rd(4), 0x06);
  wr(0x0b, 0x82);
  wr(0x08, 0x13); // month 13
  wr(0x0b, 0x02);
  assert.equal(rtc.guestErrors, 1);
});

test('update-in-progress in the 244 us before each second; NMI bit of the index port', () => {
  const t = { ms: Date.UTC(2024, 0, 1) + 999.9 };
  const { rtc, rd } = make(t);
  assert.equal(rd(0x0a), 0xa6);
  t.ms -= 0.5;
  assert.equal(rd(0x0a), 0x26);
  rtc.write(0, 1, 0x80 | 0x0a);
  assert.equal(rtc.nmiMasked, true);
  assert.equal(rtc.read(1, 1), 0x26);
});

test('memory-size bytes', () => {
  const { rd } = make({ ms: T }, { belowFourGiB: 256 * 2 ** 20, aboveFourGiB: 2 ** 30, cpus: 2 });
  const w = (r: number) => rd(r) | (rd(r + 1) << 8);
  assert.equal(w(0x15), 640);
  assert.equal(w(0x17), 0xffff); // 255 MiB of extended memory in KiB, capped
  assert.equal(w(0x30), 0xffff);
  assert.equal(w(0x34), (256 - 16) * 16);
  assert.equal(rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16), 2 ** 30 / 65536);
  assert.equal(rd(0x5f), 1);
  const small = make({ ms: T }, { belowFourGiB: 32 * 2 ** 20, aboveFourGiB: 0 });
  assert.equal(small.rd(0x17) | (small.rd(0x18) << 8), 31 * 1024);
});

test('register C reads clear; RAM bytes are read/write; snapshot validated', () => {
  const { rtc, rd, wr } = make({ ms: T });
  assert.equal(rd(0x0c), 0);
  wr(0x40, 0x5a);
  assert.equal(rd(0x40), 0x5a);
  const snap = rtc.snapshot();
  const b = make({ ms: T });
  b.rtc.restore(JSON.parse(JSON.stringify(snap)) as CmosSnapshot);
  assert.equal(b.rd(0x40), 0x5a);
  assert.throws(() => b.rtc.restore({ ...snap, ram: [1, 2] }), SnapshotError);
  assert.throws(() => b.rtc.restore({ ...snap, offsetMs: NaN }), /offsetMs/);
});
