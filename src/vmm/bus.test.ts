import test = require('node:test');
import assert = require('node:assert/strict');
import { AccessSize, BusDevice } from '../devices/device';
import { BusOverlapError, BusRangeError, MmioBus, PioBus } from './bus';

/** A device that records accesses and reads back (offset + 0x10) per byte. */
class Recorder implements BusDevice {
  log: string[] = [];
  constructor(readonly maxAccessSize?: AccessSize) {}
  read(offset: number, size: AccessSize): number {
    this.log.push(`r${offset}:${size}`);
    return size === 1 ? offset + 0x10 : 0x1234;
  }
  write(offset: number, size: AccessSize, value: number): void {
    this.log.push(`w${offset}:${size}=${value.toString(16)}`);
  }
}

test('register rejects overlaps with an error naming both devices', () => {
  const bus = new PioBus();
  bus.register(0x3f8, 8, new Recorder(), 'com1');
  assert.throws(() => bus.register(0x3ff, 1, new Recorder(), 'bad'), (e: unknown) => {
    assert.ok(e instanceof BusOverlapError);
    assert.match(e.message, /'bad'.*'com1'/);
    return true;
  });
  assert.throws(() => bus.register(0x3f0, 9, new Recorder(), 'bad2'), BusOverlapError);
  bus.register(0x3f0, 8, new Recorder(), 'adjacent-below');
  bus.register(0x400, 1, new Recorder(), 'adjacent-above');
  assert.equal(bus.list().length, 3);
});

test('register rejects ranges outside the space or of bad length', () => {
  const bus = new PioBus();
  assert.throws(() => bus.register(0xffff, 2, new Recorder(), 'x'), BusRangeError);
  assert.throws(() => bus.register(-1, 1, new Recorder(), 'x'), BusRangeError);
  assert.throws(() => bus.register(0x10, 0, new Recorder(), 'x'), BusRangeError);
  assert.throws(() => bus.register(0.5, 1, new Recorder(), 'x'), BusRangeError);
});

test('dispatch passes the offset from the range base', () => {
  const bus = new PioBus();
  const d = new Recorder();
  bus.register(0x40, 4, d, 'pit');
  bus.write(0x43, 1, 0x34);
  assert.equal(bus.read(0x42, 1), 0x12);
  assert.deepEqual(d.log, ['w3:1=34', 'r2:1']);
});

test('unclaimed ports read all ones and are counted', () => {
  const bus = new PioBus();
  assert.equal(bus.read(0x2f8, 1), 0xff);
  assert.equal(bus.read(0x2f8, 2), 0xffff);
  assert.equal(bus.read(0x2f8, 4), 0xffffffff);
  bus.write(0x2f8, 1, 0);
  bus.write(0x2f8, 4, 0);
  assert.equal(bus.stats.unclaimedReads, 3);
  assert.equal(bus.stats.unclaimedWrites, 2);
});

test('an access spanning two devices is split into bytes, little-endian', () => {
  const bus = new PioBus();
  const a = new Recorder(), b = new Recorder();
  bus.register(0x100, 2, a, 'a');
  bus.register(0x102, 2, b, 'b');
  assert.equal(bus.read(0x101, 2), (0x10 << 8) | 0x11); // a offset 1, b offset 0
  bus.write(0x101, 4, 0xaabbccdd); // a@1, b@0, b@1, unclaimed 0x104
  assert.deepEqual(a.log, ['r1:1', 'w1:1=dd']);
  assert.deepEqual(b.log, ['r0:1', 'w0:1=cc', 'w1:1=bb']);
  assert.equal(bus.stats.unclaimedWrites, 1);
  assert.equal(bus.stats.splitAccesses, 2);
});

test('a wider access than the device decodes is split inside the device', () => {
  const bus = new PioBus();
  const d = new Recorder(1);
  bus.register(0x3f8, 8, d, 'com1');
  assert.equal(bus.read(0x3f8, 2), 0x1110);
  bus.write(0x3f8, 2, 0x4241);
  assert.deepEqual(d.log, ['r0:1', 'r1:1', 'w0:1=41', 'w1:1=42']);
  const wide = new Recorder();
  bus.register(0xcf8, 4, wide, 'pci');
  assert.equal(bus.read(0xcf8, 4), 0x1234); // whole
});

test('MMIO bus: lookup among many ranges, unregister', () => {
  const bus = new MmioBus();
  const devs: Recorder[] = [];
  for (let i = 0; i < 20; i++) {
    const d = new Recorder();
    devs.push(d);
    bus.register(0xfe000000 + i * 0x1000, 0x1000, d, `d${i}`);
  }
  bus.write(0xfe00a010, 4, 7);
  assert.deepEqual(devs[10].log, ['w16:4=7']);
  assert.ok(bus.unregister(0xfe00a000));
  assert.equal(bus.read(0xfe00a010, 4), 0xffffffff);
  assert.equal(bus.unregister(0xfe00a000), false);
  bus.register(0x1_0000_0000_0000, 0x10, new Recorder(), 'high');
  assert.equal(bus.find(0x1_0000_0000_0008)?.name, 'high');
});

test('unclaimed 8-byte MMIO reads stay below 2^64', () => {
  const bus = new MmioBus();
  const v = bus.read(0x1000, 8);
  assert.ok(v < 2 ** 64);
  assert.equal(BigInt(v) >> 12n, 0xfffffffffffffn);
});
