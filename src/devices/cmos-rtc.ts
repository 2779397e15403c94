// CMOS / MC146818 RTC (pc-platform.md section 5): index port 70h (bit 7 = NMI disable),
// data port 71h, 128 bytes. The time registers are computed from the injected wall clock (UTC)
// plus an offset the guest sets by writing them; BCD/binary (B bit2) and 12/24 h (B bit1).
// Register: rtc -> 0x70 (2 ports). Not modelled: the RTC interrupt (IRQ 8: periodic, alarm,
// update-ended), so register C always reads 0.
import { AccessSize, BusDevice, SnapshotError, SnapshotReader, Snapshottable, WallClock } from './device';

const SEC = 0x00, MIN = 0x02, HOUR = 0x04, WDAY = 0x06, MDAY = 0x07, MONTH = 0x08, YEAR = 0x09;
const REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32;
const TIME_REGS = [SEC, MIN, HOUR, WDAY, MDAY, MONTH, YEAR, CENTURY];
const A_UIP = 0x80, A_DIV_32K = 0x20, B_SET = 0x80, B_DM_BINARY = 0x04, B_24H = 0x02, D_VRT = 0x80;
/** UIP is set for the 244 us before each update (MC146818 datasheet, "update cycle"). */
const UIP_WINDOW_MS = 0.244;
const KIB = 1024, MIB = 1024 * KIB;

export interface CmosMemory {
  /** Guest RAM below 4 GiB, bytes (includes the first MiB). */
  belowFourGiB: number;
  /** Guest RAM above 4 GiB, bytes. */
  aboveFourGiB: number;
  cpus?: number;
}

export interface CmosSnapshot {
  ram: number[];
  index: number;
  nmiMasked: boolean;
  offsetMs: number;
}

export class CmosRtc implements BusDevice, Snapshottable<CmosSnapshot> {
  readonly maxAccessSize = 1;
  /** Guest writes of a time that is not a date (counted, ignored). */
  guestErrors = 0;
  private ram = new Uint8Array(128);
  private index = 0;
  private nmi = false;
  private offsetMs = 0; // guest time minus wall-clock time

  constructor(private readonly wallClock: WallClock = Date.now, memory?: CmosMemory) {
    this.ram[REG_A] = 0x26; // 32.768 kHz divider, 1024 Hz periodic rate
    this.ram[REG_B] = B_24H; // 24 h, BCD
    this.ram[REG_D] = D_VRT;
    if (memory) this.setMemory(memory);
  }

  /** Whether the guest masked NMI through port 70h bit 7. */
  get nmiMasked(): boolean {
    return this.nmi;
  }

  /** The memory-size bytes firmware reads (QEMU/Bochs layout) and their checksum. */
  setMemory(m: CmosMemory): void {
    const put16 = (reg: number, v: number) => {
      const c = Math.max(0, Math.min(0xffff, Math.floor(v)));
      this.ram[reg] = c & 0xff;
      this.ram[reg + 1] = c >> 8;
    };
    put16(0x15, 640); // base memory KiB
    put16(0x17, (m.belowFourGiB - MIB) / KIB); // extended memory KiB (1 MiB - 64 MiB)
    put16(0x30, (m.belowFourGiB - MIB) / KIB);
    put16(0x34, (m.belowFourGiB - 16 * MIB) / (64 * KIB)); // above 16 MiB in 64 KiB units
    const high = Math.max(0, Math.min(0xffffff, Math.floor(m.aboveFourGiB / (64 * KIB))));
    this.ram[0x5b] = high & 0xff;
    this.ram[0x5c] = (high >> 8) & 0xff;
    this.ram[0x5d] = high >> 16;
    this.ram[0x5f] = Math.max(0, Math.min(0xff, (m.cpus ?? 1) - 1));
    this.ram[0x14] = 0x02; // equipment: math coprocessor present
    let sum = 0;
    for (let r = 0x10; r <= 0x2d; r++) sum += this.ram[r];
    this.ram[0x2e] = (sum >> 8) & 0xff;
    this.ram[0x2f] = sum & 0xff;
  }

  read(offset: number, _size: AccessSize): number {
    if ((offset & 1) === 0) return 0xff; // the index port is write-only
    const reg = this.index;
    const b = this.ram[REG_B];
    if (TIME_REGS.includes(reg) && !(b & B_SET)) return this.timeRegs(this.now())[reg];
    switch (reg) {
      case REG_A:
        return this.ram[REG_A] | (this.updateInProgress() ? A_UIP : 0);
      case REG_C: {
        const v = this.ram[REG_C];
        this.ram[REG_C] = 0; // read clears the flags
        return v;
      }
      default:
        return this.ram[reg];
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    if ((offset & 1) === 0) {
      this.index = v & 0x7f;
      this.nmi = (v & 0x80) !== 0;
      return;
    }
    const reg = this.index;
    switch (reg) {
      case REG_A:
        this.ram[REG_A] = v & 0x7f; // UIP is read-only
        return;
      case REG_B: {
        const old = this.ram[REG_B];
        if (v & B_SET && !(old & B_SET)) this.latchTime(); // freeze: the guest edits the latched time
        this.ram[REG_B] = v;
        if (!(v & B_SET) && old & B_SET) this.commitTime();
        return;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        if (TIME_REGS.includes(reg) && !(this.ram[REG_B] & B_SET)) {
          this.latchTime();
          this.ram[reg] = v;
          this.commitTime();
        } else {
          this.ram[reg] = v;
        }
    }
  }

  private now(): number {
    return this.wallClock() + this.offsetMs;
  }

  private updateInProgress(): boolean {
    if ((this.ram[REG_A] & 0x70) !== A_DIV_32K || this.ram[REG_B] & B_SET) return false;
    const ms = ((this.now() % 1000) + 1000) % 1000;
    return ms >= 1000 - UIP_WINDOW_MS;
  }

  /** The time registers for epoch milliseconds `ms`, in the format register B selects. */
  private timeRegs(ms: number): Uint8Array {
    const out = new Uint8Array(CENTURY + 1);
    const t = new Date(Number.isFinite(ms) ? ms : 0);
    const enc = this.ram[REG_B] & B_DM_BINARY ? (x: number) => x : toBcd;
    const h = t.getUTCHours();
    out[SEC] = enc(t.getUTCSeconds());
    out[MIN] = enc(t.getUTCMinutes());
    out[HOUR] = this.ram[REG_B] & B_24H ? enc(h) : enc(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
    out[WDAY] = enc(t.getUTCDay() + 1); // Sunday = 1
    out[MDAY] = enc(t.getUTCDate());
    out[MONTH] = enc(t.getUTCMonth() + 1);
    const year = t.getUTCFullYear();
    out[YEAR] = enc(((year % 100) + 100) % 100);
    out[CENTURY] = enc(Math.floor(year / 100) & 0x7f);
    return out;
  }

  private latchTime(): void {
    const regs = this.timeRegs(this.now());
    for (const r of TIME_REGS) this.ram[r] = regs[r];
  }

  /** The guest's time registers become the clock: store their distance from the wall clock. */
  private commitTime(): void {
    const dec = this.ram[REG_B] & B_DM_BINARY ? (x: number) => x : fromBcd;
    const hr = this.ram[HOUR];
    let h = dec(hr & 0x7f);
    if (!(this.ram[REG_B] & B_24H)) h = (h % 12) + (hr & 0x80 ? 12 : 0);
    const century = dec(this.ram[CENTURY]) || 20;
    const ms = Date.UTC(century * 100 + dec(this.ram[YEAR]), dec(this.ram[MONTH]) - 1, dec(this.ram[MDAY]),
      h, dec(this.ram[MIN]), dec(this.ram[SEC]));
    const ok = Number.isFinite(ms) && dec(this.ram[SEC]) < 60 && dec(this.ram[MIN]) < 60 && h < 24 &&
      dec(this.ram[MONTH]) >= 1 && dec(this.ram[MONTH]) <= 12 && dec(this.ram[MDAY]) >= 1 && dec(this.ram[MDAY]) <= 31;
    if (!ok) {
      this.guestErrors++;
      return;
    }
    this.offsetMs = ms - this.wallClock();
  }

  snapshot(): CmosSnapshot {
    return { ram: Array.from(this.ram), index: this.index, nmiMasked: this.nmi, offsetMs: this.offsetMs };
  }

  restore(s: CmosSnapshot): void {
    const r = new SnapshotReader('cmos-rtc', s);
    const ram = r.bytes('ram', 128);
    if (ram.length !== 128) throw new SnapshotError('cmos-rtc', 'ram', 'must hold exactly 128 bytes');
    const index = r.int('index', 0, 0x7f), nmi = r.bool('nmiMasked'), offsetMs = r.num('offsetMs');
    this.ram = Uint8Array.from(ram);
    this.ram[REG_D] = D_VRT;
    this.index = index;
    this.nmi = nmi;
    this.offsetMs = offsetMs;
  }
}

function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 15);
}
