// One 8254 counter (pc-platform.md section 3; Intel 82C54 datasheet). The count is never
// stepped: it is computed from the ticks elapsed since counting started (`d`), so the
// counter costs nothing between accesses. Modes 0-5; BCD counting; count and status latches.
import { SnapshotReader } from './device';

export const PIT_HZ = 1_193_182;
const NS_PER_S = 1e9;

/** Whole PIT ticks in `ns` nanoseconds (split so the products stay below 2^53). */
export function ticksIn(ns: number): number {
  if (!(ns > 0)) return 0;
  const s = Math.floor(ns / NS_PER_S);
  return s * PIT_HZ + Math.floor(((ns - s * NS_PER_S) * PIT_HZ) / NS_PER_S);
}

/** The first nanosecond at which `ticks` ticks have elapsed. */
export function nsForTicks(ticks: number): number {
  const s = Math.floor(ticks / PIT_HZ);
  return s * NS_PER_S + Math.ceil(((ticks - s * PIT_HZ) * NS_PER_S) / PIT_HZ);
}

export interface PitChannelState {
  mode: number; access: number; bcd: boolean; gate: boolean; count: number; loadNs: number; started: boolean;
  frozen: number; countLatch: number[]; statusLatch: number; readMsb: boolean; writeMsb: boolean; writeLsb: number;
  nullCount: boolean; checkedD: number;
}

export class PitChannel {
  mode = 0;
  access = 3; // 1 LSB, 2 MSB, 3 LSB then MSB
  bcd = false;
  gate: boolean;
  count = 0; // N in ticks (1..65536, BCD 1..10000); 0 = no count written since the control word
  loadNs = 0; // when counting started (d = 0)
  started = false;
  frozen = -1; // d held while the gate stops counting, else -1
  countLatch: number[] = [];
  statusLatch = -1;
  readMsb = false;
  writeMsb = false;
  writeLsb = 0;
  nullCount = true;
  checkedD = 0; // d up to which OUT edges have been reported (IRQ0)

  constructor(gate: boolean) {
    this.gate = gate;
  }

  /** Ticks counted since counting started. */
  elapsed(now: number): number {
    if (!this.started || this.count === 0) return 0;
    if (this.frozen >= 0) return this.frozen;
    return ticksIn(now - this.loadNs);
  }

  private periodic(): boolean {
    return this.mode === 2 || this.mode === 3;
  }

  /** Level of OUT after `d` ticks. */
  outAt(d: number): boolean {
    const n = this.count;
    if (n === 0) return this.mode !== 0; // control word written, no count yet
    switch (this.mode) {
      case 0: return this.started && d >= n;
      case 1: return !this.started || d >= n;
      case 2: return !this.gate || d % n !== n - 1;
      case 3: return !this.gate || d % n < Math.ceil(n / 2);
      default: return !this.started || d !== n; // 4, 5: low for the tick at terminal count
    }
  }

  out(now: number): boolean {
    return this.outAt(this.elapsed(now));
  }

  /** The first d > a at which OUT rises, or -1 if it never will (without new programming). */
  nextRise(a: number): number {
    const n = this.count;
    if (n === 0 || !this.started || this.frozen >= 0) return -1;
    if (this.periodic()) return (Math.floor(a / n) + 1) * n;
    const edge = this.mode <= 1 ? n : n + 1;
    return a < edge ? edge : -1;
  }

  /** The counting element's value after d ticks (what a latch or a read sees). */
  value(d: number): number {
    const n = this.count;
    const modulus = this.bcd ? 10000 : 0x10000;
    let v: number;
    if (n === 0) v = 0;
    else if (!this.started) v = n;
    else if (this.mode === 2) v = n - (d % n);
    else if (this.mode === 3) v = n - ((2 * d) % n);
    else v = (((n - d) % modulus) + modulus) % modulus;
    v %= modulus;
    return this.bcd ? toBcd(v) : v;
  }

  /** Control word for this channel (access != 0): reprogram; OUT per mode, count null. */
  program(access: number, mode: number, bcd: boolean): void {
    this.access = access;
    this.mode = mode > 5 ? mode - 4 : mode;
    this.bcd = bcd;
    this.count = 0;
    this.started = false;
    this.frozen = -1;
    this.nullCount = true;
    this.readMsb = false;
    this.writeMsb = false;
    this.countLatch = [];
    this.statusLatch = -1;
    this.checkedD = 0;
  }

  latchCount(now: number): void {
    if (this.countLatch.length > 0) return; // a second latch before reading is ignored
    const v = this.value(this.elapsed(now));
    if (this.access === 1) this.countLatch = [v & 0xff];
    else if (this.access === 2) this.countLatch = [v >> 8];
    else this.countLatch = [v & 0xff, v >> 8];
  }

  latchStatus(now: number): void {
    if (this.statusLatch >= 0) return;
    this.statusLatch = (this.out(now) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  readByte(now: number): number {
    if (this.statusLatch >= 0) {
      const s = this.statusLatch;
      this.statusLatch = -1;
      return s;
    }
    if (this.countLatch.length > 0) return this.countLatch.shift() as number;
    const v = this.value(this.elapsed(now));
    if (this.access === 1) return v & 0xff;
    if (this.access === 2) return v >> 8;
    this.readMsb = !this.readMsb;
    return this.readMsb ? v & 0xff : v >> 8;
  }

  writeByte(b: number, now: number): void {
    if (this.access === 1) this.load(b, now);
    else if (this.access === 2) this.load(b << 8, now);
    else if (!this.writeMsb) {
      this.writeLsb = b;
      this.writeMsb = true;
    } else {
      this.writeMsb = false;
      this.load(this.writeLsb | (b << 8), now);
    }
  }

  /** A new count N (0 means the maximum). Modes 1 and 5 wait for a gate trigger. */
  private load(raw: number, now: number): void {
    this.count = raw === 0 ? (this.bcd ? 10000 : 0x10000) : this.bcd ? fromBcd(raw) : raw;
    this.nullCount = false;
    this.loadNs = now;
    this.checkedD = 0;
    this.started = this.mode !== 1 && this.mode !== 5;
    this.frozen = this.started && !this.gate ? 0 : -1;
  }

  /** Gate input (only channel 2's is wired, to port 61h bit 0). */
  setGate(level: boolean, now: number): void {
    if (level === this.gate) return;
    const d = this.elapsed(now);
    this.gate = level;
    if (this.count === 0) return;
    if (!level) {
      if (this.started && this.mode !== 1 && this.mode !== 5) this.frozen = d; // 0, 4 pause; 2, 3 stop
      return;
    }
    if (this.mode === 0 || this.mode === 4) {
      if (this.frozen >= 0) this.loadNs = now - nsForTicks(this.frozen); // resume where it paused
    } else {
      this.loadNs = now; // 1, 5 trigger; 2, 3 reload
      this.started = true;
    }
    this.frozen = -1;
    this.checkedD = 0;
  }

  state(): PitChannelState {
    return {
      mode: this.mode, access: this.access, bcd: this.bcd, gate: this.gate, count: this.count, loadNs: this.loadNs,
      started: this.started, frozen: this.frozen, countLatch: this.countLatch.slice(), statusLatch: this.statusLatch,
      readMsb: this.readMsb, writeMsb: this.writeMsb, writeLsb: this.writeLsb, nullCount: this.nullCount, checkedD: this.checkedD,
    };
  }

  static readState(r: SnapshotReader): PitChannelState {
    return {
      mode: r.int('mode', 0, 5), access: r.int('access', 1, 3), bcd: r.bool('bcd'), gate: r.bool('gate'),
      count: r.int('count', 0, 0x10000), loadNs: r.num('loadNs'), started: r.bool('started'),
      frozen: r.int('frozen', -1, Number.MAX_SAFE_INTEGER), countLatch: r.bytes('countLatch', 2),
      statusLatch: r.int('statusLatch', -1, 0xff), readMsb: r.bool('readMsb'), writeMsb: r.bool('writeMsb'),
      writeLsb: r.int('writeLsb', 0, 0xff), nullCount: r.bool('nullCount'), checkedD: r.int('checkedD', 0, Number.MAX_SAFE_INTEGER),
    };
  }

  restoreState(s: PitChannelState): void {
    Object.assign(this, s);
    this.countLatch = s.countLatch.slice();
  }
}

function toBcd(v: number): number {
  return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

function fromBcd(v: number): number {
  return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}
