// The 8259A PIC pair (pc-platform.md section 2): master on 20h/21h, slave on A0h/A1h
// cascaded into master IR2, ELCR at 4D0h/4D1h. One model with an INTR output and
// `acknowledge()` for the CPU side (the INTA cycle). Register to the buses:
//   pic.master -> 0x20 (2 ports), pic.slave -> 0xA0 (2 ports), pic.elcr -> 0x4D0 (2 ports).
import { AccessSize, BusDevice, IrqLine, NO_IRQ, SnapshotReader, Snapshottable } from './device';
import { PicChip, PicChipState } from './i8259-chip';

export interface PicSnapshot {
  master: PicChipState;
  slave: PicChipState;
}

const CASCADE_IR = 2;

export class I8259Pair implements Snapshottable<PicSnapshot> {
  /** Vectors delivered with no IRQ behind them (IRQ7 / IRQ15 spurious). */
  spurious = 0;
  private readonly m = new PicChip(true);
  private readonly s = new PicChip(false);
  private intrLevel = false;
  private readonly intr: IrqLine;
  private readonly lines: IrqLine[] = [];

  /** Master ports (offset 0 command, 1 data). */
  readonly master: BusDevice;
  /** Slave ports (offset 0 command, 1 data). */
  readonly slave: BusDevice;
  /** Edge/level control (offset 0 master, 1 slave). */
  readonly elcr: BusDevice;

  /** `intr` is the INTR pin of the CPU (or LAPIC LINT0 in ExtINT mode). */
  constructor(intr: IrqLine = NO_IRQ) {
    this.intr = intr;
    this.master = this.chipPorts(this.m);
    this.slave = this.chipPorts(this.s);
    this.elcr = {
      maxAccessSize: 1,
      read: (offset: number) => (offset & 1 ? this.s.elcr : this.m.elcr),
      write: (offset: number, _size: AccessSize, value: number) => {
        (offset & 1 ? this.s : this.m).setElcr(value & 0xff);
        this.update();
      },
    };
    for (let n = 0; n < 16; n++) this.lines.push({ set: (level) => this.setIrq(n, level) });
  }

  /** The input line of ISA IRQ n (0-15) for devices to drive. */
  irqLine(n: number): IrqLine {
    return this.lines[n & 15];
  }

  /** Drives ISA IRQ n (0-15); edge or level per ELCR. IRQ2 is the cascade on a PC (IRQ 9 on the bus). */
  setIrq(n: number, level: boolean): void {
    n &= 15;
    if (n < 8) this.m.setInput(n, level);
    else this.s.setInput(n - 8, level);
    this.update();
  }

  /** Whether INTR is asserted (an unmasked IRQ is pending above the in-service priority). */
  get intrPending(): boolean {
    return this.intrLevel;
  }

  /**
   * The INTA cycle: marks the highest-priority request in service and returns its vector.
   * With nothing pending (the request went away) returns the spurious IRQ7/IRQ15 vector.
   */
  acknowledge(): number {
    let vector: number;
    const irq = this.m.highestRequest();
    if (irq < 0) {
      this.spurious++;
      vector = this.m.vectorBase + 7;
    } else {
      this.m.ack(irq);
      if (irq === CASCADE_IR && !this.m.single) {
        const sirq = this.s.highestRequest();
        if (sirq < 0) {
          this.spurious++;
          vector = this.s.vectorBase + 7;
        } else {
          this.s.ack(sirq);
          vector = this.s.vectorBase + sirq;
        }
      } else {
        vector = this.m.vectorBase + irq;
      }
    }
    this.update();
    return vector;
  }

  private chipPorts(chip: PicChip): BusDevice {
    return {
      maxAccessSize: 1,
      read: (offset: number) => {
        const v = offset & 1 ? chip.readData() : chip.readCommand();
        this.update(); // a poll read acknowledges
        return v;
      },
      write: (offset: number, _size: AccessSize, value: number) => {
        if (offset & 1) chip.writeData(value & 0xff);
        else chip.writeCommand(value & 0xff);
        this.update();
      },
    };
  }

  /** The slave's INT output drives master IR2 (level); INTR follows the master's output. */
  private update(): void {
    this.m.setCascade(CASCADE_IR, !this.m.single && this.s.highestRequest() >= 0);
    const level = this.m.highestRequest() >= 0;
    if (level !== this.intrLevel) {
      this.intrLevel = level;
      this.intr.set(level);
    }
  }

  snapshot(): PicSnapshot {
    return { master: this.m.state(), slave: this.s.state() };
  }

  restore(snap: PicSnapshot): void {
    const r = new SnapshotReader('i8259', snap);
    const m = PicChip.readState(r.sub('master'));
    const s = PicChip.readState(r.sub('slave'));
    this.m.load(m);
    this.s.load(s);
    this.intrLevel = false;
    this.intr.set(false);
    this.update();
  }
}
