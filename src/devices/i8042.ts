// i8042 keyboard controller (pc-platform.md section 4): enough for Linux's i8042/atkbd
// probing and for reset. A keyboard is present (it answers commands) but never types;
// the AUX port exists with nothing plugged in (AUX device commands time out).
// Register: kbc.data -> 0x60, kbc.control -> 0x64, kbc.portA -> 0x92 (1 port each).
import { AccessSize, BusDevice, IrqLine, NO_IRQ } from './device';

// Status register (64h read).
const STR_OBF = 0x01, STR_SYSFLAG = 0x04, STR_CMD = 0x08, STR_UNLOCKED = 0x10, STR_AUXDATA = 0x20, STR_TIMEOUT = 0x40;
// Controller configuration byte (CTR).
const CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYSFLAG = 0x04, CTR_KBDDIS = 0x10, CTR_AUXDIS = 0x20, CTR_XLATE = 0x40;
const OUTPUT_QUEUE_MAX = 16;

export interface I8042Options {
  /** The guest asked for a CPU reset (command FEh, output port bit 0 low, or port 92h bit 0). */
  onReset?: () => void;
  irq1?: IrqLine;
  irq12?: IrqLine;
}

interface OutByte { value: number; aux: boolean }

export class I8042 {
  /** Unknown controller commands (counted, ignored). */
  guestErrors = 0;
  /** Bytes dropped because the output queue was full (a guest not reading). */
  dropped = 0;
  readonly data: BusDevice;
  readonly control: BusDevice;
  readonly portA: BusDevice;
  private ctr = CTR_KBDINT | CTR_SYSFLAG | CTR_XLATE;
  private status = STR_UNLOCKED | STR_SYSFLAG;
  private outQ: OutByte[] = [];
  private pending = 0; // controller command awaiting its data byte (60h, D1h, D2h, D3h, D4h), or 0
  private kbdPending = 0; // keyboard command awaiting its parameter (EDh, F0h, F3h), or 0
  private outputPort = 0x03; // bit0 reset line (1 = running), bit1 A20
  private a20Fast = false;
  private irq1Level = false;
  private irq12Level = false;
  private readonly onReset: () => void;
  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine;

  constructor(opts: I8042Options = {}) {
    this.onReset = opts.onReset ?? (() => {});
    this.irq1 = opts.irq1 ?? NO_IRQ;
    this.irq12 = opts.irq12 ?? NO_IRQ;
    const port = (read: () => number, write: (v: number) => void): BusDevice => ({
      maxAccessSize: 1,
      read: () => read(),
      write: (_o: number, _s: AccessSize, v: number) => write(v & 0xff),
    });
    this.data = port(() => this.readData(), (v) => this.writeData(v));
    this.control = port(() => this.readStatus(), (v) => this.command(v));
    this.portA = port(() => (this.a20Fast ? 0x02 : 0), (v) => this.writePortA(v));
  }

  /** Whether A20 is enabled (output port bit 1 or port 92h bit 1). */
  get a20(): boolean {
    return (this.outputPort & 0x02) !== 0 || this.a20Fast;
  }

  /** Scancodes from the host keyboard (as set 1 when translating); queued for the guest. */
  injectKeyboard(bytes: readonly number[]): void {
    for (const b of bytes) this.push(b, false);
  }

  private readStatus(): number {
    const head = this.outQ[0];
    let s = this.status & ~(STR_OBF | STR_AUXDATA);
    if (head !== undefined) s |= STR_OBF | (head.aux ? STR_AUXDATA : 0);
    return s;
  }

  private readData(): number {
    const head = this.outQ.shift();
    this.status &= ~STR_TIMEOUT;
    this.updateIrq();
    return head === undefined ? 0 : head.value;
  }

  private push(value: number, aux: boolean): void {
    if (this.outQ.length >= OUTPUT_QUEUE_MAX) {
      this.dropped++;
      return;
    }
    this.outQ.push({ value: value & 0xff, aux });
    this.updateIrq();
  }

  /** IRQ1/IRQ12 follow the output buffer's owner and the CTR enables (low while empty). */
  private updateIrq(): void {
    const head = this.outQ[0];
    const l1 = head !== undefined && !head.aux && (this.ctr & CTR_KBDINT) !== 0;
    const l12 = head !== undefined && head.aux && (this.ctr & CTR_AUXINT) !== 0;
    if (l1 !== this.irq1Level) this.irq1.set((this.irq1Level = l1));
    if (l12 !== this.irq12Level) this.irq12.set((this.irq12Level = l12));
  }

  private command(cmd: number): void {
    this.status |= STR_CMD;
    this.pending = 0;
    if (cmd === 0x20) return this.push(this.ctr, false);
    if (cmd > 0x20 && cmd < 0x40) return this.push(0, false); // internal RAM
    if (cmd >= 0x60 && cmd < 0x80) return void (this.pending = cmd);
    if (cmd >= 0xf0) {
      if ((cmd & 1) === 0) this.onReset(); // pulse output bit 0 (FEh): CPU reset
      return;
    }
    switch (cmd) {
      case 0xa7: this.ctr |= CTR_AUXDIS; break;
      case 0xa8: this.ctr &= ~CTR_AUXDIS; break;
      case 0xa9: this.push(0x00, false); break; // AUX interface test: ok
      case 0xaa: // self test
        this.ctr |= CTR_SYSFLAG;
        this.status |= STR_SYSFLAG;
        this.push(0x55, false);
        break;
      case 0xab: this.push(0x00, false); break; // keyboard interface test: ok
      case 0xad: this.ctr |= CTR_KBDDIS; break;
      case 0xae: this.ctr &= ~CTR_KBDDIS; break;
      case 0xc0: this.push(0x80, false); break; // input port: keyboard not inhibited
      case 0xd0: this.push(this.outputPort, false); break;
      case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pending = cmd; break;
      case 0xe0: this.push(0x00, false); break; // test inputs
      default: this.guestErrors++;
    }
  }

  private writeData(v: number): void {
    this.status &= ~STR_CMD;
    const cmd = this.pending;
    this.pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
      if (cmd === 0x60) this.writeCtr(v);
      return;
    }
    switch (cmd) {
      case 0xd1: this.writeOutputPort(v); return;
      case 0xd2: this.push(v, false); return; // as if from the keyboard
      case 0xd3: this.push(v, true); return; // as if from the AUX device (Linux's AUX loop test)
      case 0xd4: // to the AUX device: nothing is plugged in
        this.status |= STR_TIMEOUT;
        this.push(0xfe, true);
        return;
      default: this.keyboard(v);
    }
  }

  private writeCtr(v: number): void {
    this.ctr = v;
    this.status = (this.status & ~STR_SYSFLAG) | (v & CTR_SYSFLAG ? STR_SYSFLAG : 0);
    this.updateIrq();
  }

  private writeOutputPort(v: number): void {
    this.outputPort = v;
    if ((v & 1) === 0) this.onReset(); // reset line driven low
  }

  private writePortA(v: number): void {
    this.a20Fast = (v & 0x02) !== 0;
    if (v & 0x01) this.onReset(); // fast reset
  }

  /** A byte for the keyboard itself (PS/2 keyboard command set). */
  private keyboard(v: number): void {
    this.ctr &= ~CTR_KBDDIS; // writing to the keyboard enables its clock
    const param = this.kbdPending;
    this.kbdPending = 0;
    if (param !== 0) {
      this.push(0xfa, false);
      if (param === 0xf0 && v === 0) this.push(0x02, false); // current scan set
      return;
    }
    switch (v) {
      case 0xed: case 0xf0: case 0xf3: // set LEDs / scan set / typematic: parameter follows
        this.kbdPending = v;
        this.push(0xfa, false);
        return;
      case 0xee: this.push(0xee, false); return; // echo
      case 0xf2: this.push(0xfa, false); this.push(0xab, false); this.push(0x83, false); return; // MF2 id
      case 0xff: this.push(0xfa, false); this.push(0xaa, false); return; // reset, BAT passed
      default: this.push(0xfa, false); // enable, disable, defaults, ...: ACK
    }
  }
}
