// The 8254 PIT (pc-platform.md section 3): counters at 40h-42h, control word at 43h, and the
// channel-2 bits of system control port B (61h). Time comes from the injected Clock (ns);
// counter 0's OUT drives IRQ0. Register: pit -> 0x40 (4 ports), pit.portB -> 0x61 (1 port).
//
// Interrupts: the VMM asks `nextDeadlineNs()` when OUT0 next rises, arms a timer for it and
// calls `poll()` when it fires (any port access polls too). Each poll that finds one or more
// rising edges since the last pulses IRQ0 once (low then high); edges that a late poll
// finds together are coalesced, as a late timer interrupt on a PC would be, and counted.
import { AccessSize, BusDevice, Clock, IrqLine, NO_IRQ, SnapshotReader, Snapshottable } from './device';
import { PitChannel, PitChannelState, nsForTicks } from './i8254-channel';

export interface PitSnapshot {
  channels: PitChannelState[];
  speaker: number; // port 61h bits 1-3
}

export interface PitStats {
  irq0Pulses: number;
  irq0Coalesced: number;
}

const REFRESH_PERIOD_NS = 15_085; // port 61h bit 4 toggles with DRAM refresh (15.085 us)

export class I8254 implements BusDevice, Snapshottable<PitSnapshot> {
  readonly maxAccessSize = 1;
  readonly stats: PitStats = { irq0Pulses: 0, irq0Coalesced: 0 };
  /** System control port B (61h): bit0 gate 2, bit1 speaker data, bit4 refresh, bit5 OUT2. */
  readonly portB: BusDevice;
  private readonly ch: PitChannel[] = [new PitChannel(true), new PitChannel(true), new PitChannel(false)];
  private speaker = 0;
  private irqLevel = false;

  constructor(private readonly clock: Clock, private readonly irq0: IrqLine = NO_IRQ) {
    this.portB = {
      maxAccessSize: 1,
      read: () => this.readPortB(),
      write: (_offset: number, _size: AccessSize, value: number) => this.writePortB(value & 0xff),
    };
  }

  read(offset: number, _size: AccessSize): number {
    this.poll();
    const i = offset & 3;
    if (i === 3) return 0xff; // the control word is write-only
    return this.ch[i].readByte(this.clock());
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    const now = this.clock();
    this.poll();
    const i = offset & 3;
    if (i < 3) this.ch[i].writeByte(v, now);
    else this.controlWord(v, now);
    this.poll();
  }

  /** When OUT0 next rises (an IRQ0 edge) in Clock ns, or null if it will not without reprogramming. */
  nextDeadlineNs(): number | null {
    const c = this.ch[0];
    const rise = c.nextRise(c.checkedD);
    if (rise < 0) return null;
    return c.loadNs + nsForTicks(rise);
  }

  /** Reports OUT0 edges up to now on IRQ0 (see the header). Cheap; call it as often as you like. */
  poll(): void {
    const c = this.ch[0];
    const now = this.clock();
    const d = c.elapsed(now);
    const rise = c.nextRise(c.checkedD);
    if (rise >= 0 && rise <= d) {
      const periods = c.mode === 2 || c.mode === 3 ? Math.floor(d / c.count) - Math.floor(c.checkedD / c.count) : 1;
      this.stats.irq0Pulses++;
      this.stats.irq0Coalesced += periods - 1;
      if (this.irqLevel) this.irq0.set(false);
      this.irq0.set(true);
      this.irqLevel = true;
    }
    if (d > c.checkedD) c.checkedD = d;
    const level = c.outAt(d);
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq0.set(level);
    }
  }

  private controlWord(v: number, now: number): void {
    const sel = v >> 6;
    if (sel === 3) {
      // Read-back: bit5 = 0 latch count, bit4 = 0 latch status, bits 3:1 select counters.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        if (!(v & 0x10)) this.ch[i].latchStatus(now);
        if (!(v & 0x20)) this.ch[i].latchCount(now);
      }
      return;
    }
    const access = (v >> 4) & 3;
    if (access === 0) this.ch[sel].latchCount(now);
    else this.ch[sel].program(access, (v >> 1) & 7, (v & 1) !== 0);
  }

  private readPortB(): number {
    const now = this.clock();
    const c2 = this.ch[2];
    const refresh = Math.floor(now / REFRESH_PERIOD_NS) & 1;
    return (c2.gate ? 1 : 0) | this.speaker | (refresh << 4) | (c2.out(now) ? 0x20 : 0);
  }

  private writePortB(v: number): void {
    this.speaker = v & 0x0e;
    this.ch[2].setGate((v & 1) !== 0, this.clock());
  }

  snapshot(): PitSnapshot {
    return { channels: this.ch.map((c) => c.state()), speaker: this.speaker };
  }

  restore(s: PitSnapshot): void {
    const r = new SnapshotReader('i8254', s);
    const states = r.array('channels', 3).map((cr) => PitChannel.readState(cr));
    const speaker = r.int('speaker', 0, 0x0e) & 0x0e;
    states.forEach((st, i) => this.ch[i].restoreState(st));
    this.speaker = speaker;
    this.irqLevel = false;
    this.irq0.set(false);
    this.poll();
  }
}
