// 16550A UART (pc-platform.md section 6; Linux drivers/tty/serial/8250 is the client).
// Eight byte-wide registers; 16-byte FIFOs; transmit is instantaneous (THRE and TEMT stay
// set); host input arrives through `receive`. The state-machine shape follows rust-vmm
// vm-superio's serial.rs: an injected IRQ line and output sink, a validated snapshot.
import { AccessSize, BusDevice, ByteSink, IrqLine, NO_IRQ, SnapshotReader, Snapshottable } from './device';

export const FIFO_SIZE = 16;

// Register offsets (DLAB = 0 view).
const RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6; // 7 is SCR

// IER bits.
const IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
// IIR identification values (bits 3:0) in priority order, and the FIFO-enabled bits.
const IIR_NONE = 0x01, IIR_RLS = 0x06, IIR_RDI = 0x04, IIR_TIMEOUT = 0x0c, IIR_THRI = 0x02, IIR_MSI = 0x00;
const IIR_FIFO_BITS = 0xc0;
// FCR bits.
const FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02; // bit 2 clears the TX FIFO, always empty here
const TRIGGER_LEVELS = [1, 4, 8, 14];
// LCR / MCR bits.
const LCR_DLAB = 0x80;
const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10, MCR_MASK = 0x1f;
// LSR bits.
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_ERRORS = 0x1e;
// MSR bits: deltas in 3:0, lines in 7:4.
const MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;
const MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08;
/** A connected terminal outside loopback: carrier, data set ready, clear to send. */
const MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

export interface UartSnapshot {
  divisor: number; ier: number; lcr: number; mcr: number; lsr: number; msr: number; scr: number;
  fcr: number; thrPending: boolean; rx: number[];
}

export interface UartOptions {
  irq?: IrqLine;
  out?: ByteSink;
  /** Called when the guest empties the RX FIFO, so the host can push more buffered input. */
  onRxDrained?: () => void;
}

export class Uart16550 implements BusDevice, Snapshottable<UartSnapshot> {
  readonly maxAccessSize = 1;
  /** Bytes lost to RX overrun (loopback writes into a full FIFO). */
  overruns = 0;
  private divisor = 12; // 9600 baud, a common reset default
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsr = LSR_THRE | LSR_TEMT;
  private msr = MSR_CONNECTED;
  private scr = 0;
  private fcr = 0; // last FCR written (bit0 enable, bits 7:6 trigger)
  private thrPending = false; // THR-empty interrupt armed, cleared by an IIR read or THR write
  private rx: number[] = [];
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly out: ByteSink;
  private readonly onRxDrained: (() => void) | undefined;

  constructor(opts: UartOptions = {}) {
    this.irq = opts.irq ?? NO_IRQ;
    this.out = opts.out ?? (() => {});
    this.onRxDrained = opts.onRxDrained;
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }

  private get rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** Free space in the receive FIFO: how many host bytes `receive` will take now. */
  rxFree(): number {
    return this.mcr & MCR_LOOP ? 0 : this.rxCapacity - this.rx.length;
  }

  /**
   * Host input (stdin) into the RX FIFO. Takes as many bytes as fit and returns that count;
   * the caller keeps the rest and retries (see onRxDrained). In loopback the line is
   * disconnected and nothing is taken.
   */
  receive(bytes: Uint8Array | readonly number[]): number {
    const n = Math.min(bytes.length, this.rxFree());
    for (let i = 0; i < n; i++) this.rx.push(bytes[i] & 0xff);
    if (n > 0) this.update();
    return n;
  }

  read(offset: number, _size: AccessSize): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR:
        return dlab ? this.divisor & 0xff : this.readRbr();
      case IER:
        return dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case IIR_FCR:
        return this.readIir();
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR: {
        const v = this.lsr | (this.rx.length > 0 ? LSR_DR : 0);
        this.lsr &= ~LSR_ERRORS; // reading LSR clears the error bits (and the RLS interrupt)
        this.update();
        return v;
      }
      case MSR: {
        const v = this.msr;
        this.msr &= 0xf0; // reading MSR clears the deltas (and the modem-status interrupt)
        this.update();
        return v;
      }
      default: // SCR
        return this.scr;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR:
        if (dlab) this.divisor = (this.divisor & 0xff00) | v;
        else this.writeThr(v);
        break;
      case IER:
        if (dlab) this.divisor = (this.divisor & 0xff) | (v << 8);
        else this.writeIer(v & 0x0f);
        break;
      case IIR_FCR:
        this.writeFcr(v);
        break;
      case LCR:
        this.lcr = v;
        break;
      case MCR:
        this.writeMcr(v & MCR_MASK);
        break;
      case LSR:
      case MSR:
        break; // factory test / read-only
      default: // SCR
        this.scr = v;
    }
    this.update();
  }

  private readRbr(): number {
    const b = this.rx.length > 0 ? (this.rx.shift() as number) : 0;
    this.update();
    if (this.rx.length === 0 && this.onRxDrained !== undefined && (this.mcr & MCR_LOOP) === 0) this.onRxDrained();
    return b;
  }

  private readIir(): number {
    const id = this.pendingId();
    if (id === IIR_THRI) {
      this.thrPending = false; // reading IIR clears a THR-empty interrupt it reports
      this.update();
    }
    return id | (this.fifoEnabled ? IIR_FIFO_BITS : 0);
  }

  private writeThr(b: number): void {
    if (this.mcr & MCR_LOOP) this.pushRx(b);
    else this.out(Uint8Array.of(b));
    // The byte leaves at once; THR is empty again, so the THRE interrupt re-arms.
    this.thrPending = true;
  }

  private writeIer(v: number): void {
    const enabledThri = (v & IER_THRI) !== 0 && (this.ier & IER_THRI) === 0;
    this.ier = v;
    // Enabling THRI while THR is empty raises THRE at once (Linux's startup test relies on it).
    if (enabledThri) this.thrPending = true;
    if ((v & IER_THRI) === 0) this.thrPending = false;
  }

  private writeFcr(v: number): void {
    if (((v ^ this.fcr) & FCR_ENABLE) !== 0) this.rx = []; // toggling the enable clears the FIFOs
    if (v & FCR_CLEAR_RX) this.rx = [];
    this.fcr = v & FCR_ENABLE ? v & 0xc9 : 0;
  }

  private writeMcr(v: number): void {
    const wasLoop = (this.mcr & MCR_LOOP) !== 0;
    this.mcr = v;
    const lines = v & MCR_LOOP ? loopLines(v) : MSR_CONNECTED;
    const old = this.msr;
    let delta = 0;
    if ((old ^ lines) & MSR_CTS) delta |= MSR_DCTS;
    if ((old ^ lines) & MSR_DSR) delta |= MSR_DDSR;
    if (old & MSR_RI && !(lines & MSR_RI)) delta |= MSR_TERI;
    if ((old ^ lines) & MSR_DCD) delta |= MSR_DDCD;
    this.msr = lines | ((old | delta) & 0x0f);
    if (wasLoop !== ((v & MCR_LOOP) !== 0)) this.rx = [];
  }

  private pushRx(b: number): void {
    if (this.rx.length >= this.rxCapacity) {
      this.lsr |= LSR_OE; // overrun: the new byte is lost
      this.overruns++;
      return;
    }
    this.rx.push(b);
  }

  /** The highest-priority pending interrupt's IIR id (IIR_NONE when none). */
  private pendingId(): number {
    const ier = this.ier;
    if (ier & IER_RLSI && this.lsr & LSR_ERRORS) return IIR_RLS;
    if (ier & IER_RDI && this.rx.length > 0) {
      // No character timer: data below the trigger level reports the timeout id at once.
      if (!this.fifoEnabled || this.rx.length >= TRIGGER_LEVELS[this.fcr >> 6]) return IIR_RDI;
      return IIR_TIMEOUT;
    }
    if (ier & IER_THRI && this.thrPending) return IIR_THRI;
    if (ier & IER_MSI && this.msr & 0x0f) return IIR_MSI;
    return IIR_NONE;
  }

  /** On a PC the IRQ output is gated by OUT2 (forced inactive in loopback). */
  private update(): void {
    const level = this.pendingId() !== IIR_NONE && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  snapshot(): UartSnapshot {
    return {
      divisor: this.divisor, ier: this.ier, lcr: this.lcr, mcr: this.mcr, lsr: this.lsr, msr: this.msr,
      scr: this.scr, fcr: this.fcr, thrPending: this.thrPending, rx: this.rx.slice(),
    };
  }

  restore(s: UartSnapshot): void {
    const r = new SnapshotReader('uart16550', s);
    const fcr = r.int('fcr', 0, 0xff);
    const rx = r.bytes('rx', fcr & FCR_ENABLE ? FIFO_SIZE : 1);
    const divisor = r.int('divisor', 0, 0xffff), ier = r.int('ier', 0, 0x0f), lcr = r.int('lcr', 0, 0xff);
    const mcr = r.int('mcr', 0, MCR_MASK), lsr = r.int('lsr', 0, 0xff), msr = r.int('msr', 0, 0xff);
    const scr = r.int('scr', 0, 0xff), thrPending = r.bool('thrPending');
    // Every field validated: only now change state.
    this.divisor = divisor; this.ier = ier; this.lcr = lcr; this.mcr = mcr; this.lsr = lsr;
    this.msr = msr; this.scr = scr; this.thrPending = thrPending;
    this.fcr = fcr & FCR_ENABLE ? fcr & 0xc9 : 0;
    this.rx = rx;
    this.lsr = (this.lsr & ~LSR_DR) | LSR_THRE | LSR_TEMT;
    this.irqLevel = false;
    this.irq.set(false);
    this.update();
  }
}

/** Loopback (MCR bit 4): CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2. */
function loopLines(mcr: number): number {
  return (mcr & MCR_RTS ? MSR_CTS : 0) | (mcr & MCR_DTR ? MSR_DSR : 0) | (mcr & MCR_OUT1 ? MSR_RI : 0) | (mcr & MCR_OUT2 ? MSR_DCD : 0);
}
