import test = require('node:test');
import assert = require('node:assert/strict');
import { I8254, PitSnapshot } from './i8254';
import { PIT_HZ, nsForTicks, ticksIn } from './i8254-channel';
import { SnapshotError } from './device';

function make() {
  let now = 1_000_000; // ns
  const edges: boolean[] = [];
  const pit = new I8254(() => now, { set: (l) => edges.push(l) });
  const out = (port: number, v: number) => (port === 0x61 ? pit.portB.write(0, 1, v) : pit.write(port - 0x40, 1, v));
  const inb = (port: number) => (port === 0x61 ? pit.portB.read(0, 1) : pit.read(port - 0x40, 1));
  const rises = () => edges.filter((l, i) => l && (i === 0 || !edges[i - 1])).length;
  return { pit, out, inb, rises, advance: (ns: number) => (now += ns), at: () => now };
}

test('tick conversion stays exact for long runs', () => {
  assert.equal(ticksIn(1e9), PIT_HZ);
  assert.equal(ticksIn(3600e9), 3600 * PIT_HZ);
  for (const t of [1, 1000, PIT_HZ - 1, 12345678901]) assert.equal(ticksIn(nsForTicks(t)), t);
});

test('mode 2 rate generator: periodic IRQ0 at 1193182/N Hz via nextDeadlineNs and poll', () => {
  const { pit, out, rises, advance, at } = make();
  const N = 11932; // Linux LATCH for HZ=100
  out(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2
  out(0x40, N & 0xff);
  out(0x40, N >> 8);
  const start = at();
  assert.equal(rises(), 1); // OUT high after programming
  let count = 0;
  for (let i = 0; i < 50; i++) {
    const dl = pit.nextDeadlineNs();
    assert.ok(dl !== null && dl > at());
    advance((dl as number) - at());
    pit.poll();
    count++;
  }
  assert.equal(rises(), 1 + count);
  const expectedNs = nsForTicks(50 * N);
  assert.ok(Math.abs(at() - start - expectedNs) <= 1, `50 periods take ${at() - start} ns`);
  assert.equal(pit.stats.irq0Pulses, 50);
  // a late poll coalesces the missed periods into one pulse
  advance(nsForTicks(5 * N));
  pit.poll();
  assert.equal(rises(), 2 + count);
  assert.equal(pit.stats.irq0Coalesced, 4);
});

test('latch command freezes the count; lobyte/hibyte reads follow the clock', () => {
  const { out, inb, advance } = make();
  out(0x43, 0x34);
  out(0x40, 0x00);
  out(0x40, 0x10); // N = 4096
  advance(nsForTicks(100));
  out(0x43, 0x00); // latch channel 0
  advance(nsForTicks(500));
  const v = inb(0x40) | (inb(0x40) << 8);
  assert.equal(v, 4096 - 100);
  const live = inb(0x40) | (inb(0x40) << 8);
  assert.equal(live, 4096 - 600);
});

test('Linux TSC calibration: channel 2 mode 0 through port 61h, OUT2 in bit 5', () => {
  const { out, inb, advance } = make();
  out(0x61, (inb(0x61) & ~0x02) | 0x01); // gate high, speaker off
  out(0x43, 0xb0); // channel 2, lobyte/hibyte, mode 0
  const latch = Math.floor(PIT_HZ / 20); // 50 ms
  out(0x42, latch & 0xff);
  out(0x42, latch >> 8);
  assert.equal(inb(0x61) & 0x20, 0);
  advance(nsForTicks(latch - 1));
  assert.equal(inb(0x61) & 0x20, 0);
  advance(nsForTicks(1) + 1);
  assert.equal(inb(0x61) & 0x21, 0x21);
  // gate low pauses mode 0
  out(0x43, 0xb0);
  out(0x42, 0x00);
  out(0x42, 0x01); // 256
  out(0x61, 0x00);
  advance(nsForTicks(1000));
  out(0x43, 0x80); // latch channel 2
  assert.equal(inb(0x42) | (inb(0x42) << 8), 256);
});

test('read-back status byte and mode 3 square wave on OUT', () => {
  const { pit, out, inb, advance } = make();
  out(0x43, 0x36); // channel 0, lohi, mode 3
  out(0x40, 100);
  out(0x40, 0);
  out(0x43, 0xe2); // read-back: status only, channel 0
  assert.equal(inb(0x40), 0x80 | 0x36);
  advance(nsForTicks(60)); // past N/2: OUT low
  out(0x43, 0xe2);
  assert.equal(inb(0x40) & 0x80, 0);
  advance(nsForTicks(40));
  pit.poll();
  out(0x43, 0xe2);
  assert.equal(inb(0x40) & 0x80, 0x80);
  out(0x43, 0xd2); // read-back: count only
  assert.equal(inb(0x40), 100);
});

test('mode 0 one-shot on channel 0 raises IRQ0 once; control word pulls OUT low', () => {
  const { pit, out, rises, advance } = make();
  out(0x43, 0x30);
  out(0x40, 0x10);
  out(0x40, 0x00); // N = 16
  assert.equal(rises(), 0);
  const dl = pit.nextDeadlineNs() as number;
  advance(dl - 1_000_000);
  pit.poll();
  assert.equal(rises(), 1);
  assert.equal(pit.nextDeadlineNs(), null);
  advance(1e9);
  pit.poll();
  assert.equal(rises(), 1);
});

test('BCD counting', () => {
  const { out, inb, advance } = make();
  out(0x43, 0x31); // mode 0, BCD
  out(0x40, 0x00);
  out(0x40, 0x10); // 1000 in BCD
  advance(nsForTicks(1));
  out(0x43, 0x00);
  assert.equal(inb(0x40) | (inb(0x40) << 8), 0x0999);
});

test('snapshot round-trips and restore validates', () => {
  const a = make();
  a.out(0x43, 0x34);
  a.out(0x40, 0x00);
  a.out(0x40, 0x20);
  const snap = a.pit.snapshot();
  const b = make();
  b.pit.restore(JSON.parse(JSON.stringify(snap)) as PitSnapshot);
  assert.deepEqual(b.pit.nextDeadlineNs(), a.pit.nextDeadlineNs());
  assert.throws(() => b.pit.restore({ ...snap, channels: snap.channels.slice(0, 2) }), SnapshotError);
  const bad = JSON.parse(JSON.stringify(snap)) as PitSnapshot;
  bad.channels[1].mode = 9;
  assert.throws(() => b.pit.restore(bad), /mode/);
});
