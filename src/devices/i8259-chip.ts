// One 8259A (pc-platform.md section 2; Intel 8259A datasheet): IRR/ISR/IMR, the ICW1-4
// initialization sequence, OCW2 EOI and rotation, OCW3 read select / poll / special mask,
// priority resolution with rotation (`priorityAdd` is the IR number with highest priority).
import { SnapshotReader } from './device';

export interface PicChipState {
  irr: number; isr: number; imr: number; inputs: number; elcr: number; priorityAdd: number;
  vectorBase: number; icw3: number; initStep: number; needIcw4: boolean; single: boolean; ltim: boolean;
  autoEoi: boolean; rotateOnAutoEoi: boolean; sfnm: boolean; readIsr: boolean; poll: boolean; specialMask: boolean;
}

export class PicChip {
  irr = 0; // interrupt request register
  isr = 0; // in-service register
  imr = 0; // interrupt mask register (OCW1)
  inputs = 0; // current levels of the IR inputs (edge detection)
  elcr = 0; // edge (0) / level (1) per IR
  priorityAdd = 0;
  vectorBase = 0; // ICW2 bits 7:3
  icw3 = 0;
  initStep = 0; // 0 ready; 1, 2, 3: expecting ICW2, ICW3, ICW4
  needIcw4 = false;
  single = false;
  ltim = false; // ICW1 level-triggered mode for all inputs
  autoEoi = false;
  rotateOnAutoEoi = false;
  sfnm = false; // special fully nested mode (master only)
  readIsr = false; // OCW3 RR/RIS: command port reads ISR (else IRR)
  poll = false;
  specialMask = false;
  private readonly elcrMask: number;

  constructor(readonly isMaster: boolean) {
    // IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge (pc-platform.md section 1).
    this.elcrMask = isMaster ? 0xf8 : 0xde;
  }

  private levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  setInput(n: number, level: boolean): void {
    const mask = 1 << n;
    if (this.levelMask() & mask) {
      if (level) this.irr |= mask;
      else this.irr &= ~mask;
    } else if (level && !(this.inputs & mask)) {
      this.irr |= mask; // rising edge; the request stays latched until acknowledged
    }
    if (level) this.inputs |= mask;
    else this.inputs &= ~mask;
  }

  /** The cascade input: the slave's INT output, followed as a level whatever ELCR says. */
  setCascade(n: number, level: boolean): void {
    const mask = 1 << n;
    if (level) this.irr |= mask;
    else this.irr &= ~mask;
  }

  setElcr(v: number): void {
    this.elcr = v & this.elcrMask;
    const lvl = this.levelMask();
    this.irr = (this.irr & ~lvl) | (this.inputs & lvl);
  }

  /** Priority rank (0 highest) of the best bit in mask, 8 if none. */
  private priorityOf(mask: number): number {
    if ((mask & 0xff) === 0) return 8;
    let p = 0;
    while (!(mask & (1 << ((p + this.priorityAdd) & 7)))) p++;
    return p;
  }

  /** The IR that would interrupt now (unmasked, above every in-service IR), or -1. */
  highestRequest(): number {
    const p = this.priorityOf(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.isMaster && this.sfnm) inService &= ~(1 << 2); // a slave may nest on its own IR
    return p < this.priorityOf(inService) ? (p + this.priorityAdd) & 7 : -1;
  }

  /** INTA for `irq`: set ISR (unless auto-EOI), clear an edge request. */
  ack(irq: number): void {
    const mask = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= mask;
    }
    if (!(this.levelMask() & mask)) this.irr &= ~mask;
  }

  readCommand(): number {
    if (this.poll) return this.pollRead();
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    if (this.poll) return this.pollRead();
    return this.imr;
  }

  /** OCW3 poll: the next read returns 80h | IR and acknowledges it, or 0. */
  private pollRead(): number {
    this.poll = false;
    const irq = this.highestRequest();
    if (irq < 0) return 0;
    this.ack(irq);
    return 0x80 | irq;
  }

  writeCommand(v: number): void {
    if (v & 0x10) this.icw1(v);
    else if (v & 0x08) this.ocw3(v);
    else this.ocw2(v);
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 1: // ICW2: vector base
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 3 : 0) : 2;
        return;
      case 2: // ICW3: cascade wiring
        this.icw3 = v;
        this.initStep = this.needIcw4 ? 3 : 0;
        return;
      case 3: // ICW4: bit1 AEOI, bit4 SFNM (bit0 8086 mode assumed)
        this.autoEoi = (v & 0x02) !== 0;
        this.sfnm = (v & 0x10) !== 0;
        this.initStep = 0;
        return;
      default: // OCW1
        this.imr = v;
    }
  }

  /** ICW1 starts initialization: IMR, ISR cleared, IR7 lowest priority, edge sense reset. */
  private icw1(v: number): void {
    this.needIcw4 = (v & 0x01) !== 0;
    this.single = (v & 0x02) !== 0;
    this.ltim = (v & 0x08) !== 0;
    this.irr &= this.levelMask() & this.inputs;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.sfnm = false;
    this.initStep = 1;
  }

  private ocw3(v: number): void {
    if (v & 0x04) this.poll = true;
    if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
    if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
  }

  /** OCW2 (bits 7:5 R, SL, EOI): EOI and rotation commands. */
  private ocw2(v: number): void {
    const cmd = v >> 5;
    const ir = v & 7;
    switch (cmd) {
      case 0: this.rotateOnAutoEoi = false; return;
      case 4: this.rotateOnAutoEoi = true; return;
      case 1: // non-specific EOI
      case 5: { // rotate on non-specific EOI
        const p = this.priorityOf(this.isr);
        if (p === 8) return;
        const irq = (p + this.priorityAdd) & 7;
        this.isr &= ~(1 << irq);
        if (cmd === 5) this.priorityAdd = (irq + 1) & 7;
        return;
      }
      case 3: this.isr &= ~(1 << ir); return; // specific EOI
      case 7: this.isr &= ~(1 << ir); this.priorityAdd = (ir + 1) & 7; return; // rotate on specific EOI
      case 6: this.priorityAdd = (ir + 1) & 7; return; // set priority: IR `ir` lowest
      default: return; // 2: no operation
    }
  }

  state(): PicChipState {
    return {
      irr: this.irr, isr: this.isr, imr: this.imr, inputs: this.inputs, elcr: this.elcr, priorityAdd: this.priorityAdd,
      vectorBase: this.vectorBase, icw3: this.icw3, initStep: this.initStep, needIcw4: this.needIcw4,
      single: this.single, ltim: this.ltim, autoEoi: this.autoEoi, rotateOnAutoEoi: this.rotateOnAutoEoi,
      sfnm: this.sfnm, readIsr: this.readIsr, poll: this.poll, specialMask: this.specialMask,
    };
  }

  static readState(r: SnapshotReader): PicChipState {
    const b = (f: string) => r.int(f, 0, 0xff);
    return {
      irr: b('irr'), isr: b('isr'), imr: b('imr'), inputs: b('inputs'), elcr: b('elcr'),
      priorityAdd: r.int('priorityAdd', 0, 7), vectorBase: b('vectorBase') & 0xf8, icw3: b('icw3'),
      initStep: r.int('initStep', 0, 3), needIcw4: r.bool('needIcw4'), single: r.bool('single'), ltim: r.bool('ltim'),
      autoEoi: r.bool('autoEoi'), rotateOnAutoEoi: r.bool('rotateOnAutoEoi'), sfnm: r.bool('sfnm'),
      readIsr: r.bool('readIsr'), poll: r.bool('poll'), specialMask: r.bool('specialMask'),
    };
  }

  load(s: PicChipState): void {
    Object.assign(this, s);
    this.elcr &= this.elcrMask;
  }
}
