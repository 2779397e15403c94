// The local APIC, xAPIC mode (pc-platform.md 8; Intel SDM Vol.3 ch.11), emulated by the
// hypervisor as KVM does: registers (MMIO page at APIC_BASE, default FEE0_0000h), IRR/ISR/TMR,
// TPR/PPR, EOI, the LVTs, self IPIs and the timer (one-shot, periodic, TSC-deadline).
// Time is guest time in ns: the guest TSC runs at 1 GHz (src/cpu/system/msr.ts TSC_HZ) and
// the APIC bus clock is 1 GHz too, so one timer count is `divide` ns.
export const APIC_DEFAULT_BASE = 0xfee00000;
export const APIC_VERSION = 0x50014; // version 14h, max LVT entry 5 (6 LVTs), as KVM reports
export const APIC_BUS_HZ = 1e9;

const BASE_BSP = 1 << 8, BASE_EXTD = 1 << 10, BASE_EN = 1 << 11;
const LVT_MASKED = 1 << 16;
const SVR_ENABLE = 1 << 8;
const TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2; // 0 is one-shot
const DM_FIXED = 0, DM_LOWEST = 1, DM_NMI = 4, DM_EXTINT = 7;

// LVT register offsets and writable bits (SDM Fig. 11-8).
export const LVT_TIMER = 0x320, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370;
const LVT_WRITABLE: ReadonlyMap<number, number> = new Map([
  [0x2f0, 0x107ff], [LVT_TIMER, 0x700ff], [0x330, 0x107ff], [0x340, 0x107ff],
  [LVT_LINT0, 0x1a7ff], [LVT_LINT1, 0x1a7ff], [LVT_ERROR, 0x100ff],
]);

/** What a LAPIC needs from its VM: guest time, level-triggered EOIs for the IOAPIC, IPI routing. */
export interface LapicBus {
  /** Guest time in ns (= guest TSC). */
  now(): number;
  /** EOI of a level-triggered vector (TMR set): the IOAPIC clears Remote IRR. */
  levelEoi(vector: number): void;
  /** ICR write: route an IPI (self IPIs included). */
  sendIpi(from: Lapic, icrLo: number, destField: number): void;
}

export class Lapic {
  apicBase: number;
  id: number;
  tpr = 0;
  ldr = 0;
  dfr = 0xffffffff;
  svr = 0xff;
  icrLo = 0;
  icrHi = 0;
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  private readonly lvt = new Map<number, number>();
  divideConfig = 0;
  initialCount = 0;
  /** Guest ns when the one-shot/periodic timer fires next, or Infinity (disarmed). */
  private timerDeadline = Infinity;
  /** Guest ns per count (divide), and the periodic period in ns. */
  private timerPeriod = 0;
  /** IA32_TSC_DEADLINE (MSR 6E0h) in guest TSC = ns; 0 disarms. */
  tscDeadline = 0;
  nmiPending = 0;
  readonly counters = { timerFired: 0, timerCoalesced: 0, illegalVector: 0, droppedDisabled: 0, unsupportedIpi: 0, badAccess: 0 };

  constructor(readonly bus: LapicBus, apicId: number, bsp: boolean) {
    this.id = apicId;
    this.apicBase = APIC_DEFAULT_BASE | BASE_EN | (bsp ? BASE_BSP : 0);
    for (const r of LVT_WRITABLE.keys()) this.lvt.set(r, LVT_MASKED);
    // KVM: the BSP's LINT0 starts as unmasked ExtINT (virtual wire), so the 8259 works at once.
    if (bsp) this.lvt.set(LVT_LINT0, DM_EXTINT << 8);
  }

  get hwEnabled(): boolean { return (this.apicBase & BASE_EN) !== 0; }
  get swEnabled(): boolean { return this.hwEnabled && (this.svr & SVR_ENABLE) !== 0; }
  /** Guest-physical page of the MMIO registers. */
  get mmioBase(): number { return (this.apicBase & ~0xfff) >>> 0; }

  /** WRMSR IA32_APIC_BASE; false = #GP (reserved bits, x2APIC, which we do not offer). */
  writeApicBase(lo: number, hi: number): boolean {
    if (hi !== 0 || (lo & (0xff | BASE_EXTD | (1 << 9))) !== 0) return false;
    const wasEnabled = this.hwEnabled;
    this.apicBase = ((lo & ~BASE_BSP) | (this.apicBase & BASE_BSP)) >>> 0;
    if (wasEnabled && !this.hwEnabled) this.softReset();
    return true;
  }

  // ---- Registers (offsets in the 4 KiB page; 32-bit registers at 16-byte strides).

  read(offset: number, size: number): number {
    const reg = offset & 0xff0;
    const v = this.readReg(reg);
    if (size === 4 && (offset & 0xf) === 0) return v >>> 0;
    const sh = (offset & 3) * 8;
    if ((offset & 0xf) >= 4 || (offset & 3) + size > 4) { this.counters.badAccess++; return 0; }
    return (v >>> sh) & (size === 1 ? 0xff : 0xffff);
  }

  private readReg(reg: number): number {
    switch (reg) {
      case 0x20: return this.id << 24;
      case 0x30: return APIC_VERSION;
      case 0x80: return this.tpr;
      case 0x90: return 0;
      case 0xa0: return this.ppr();
      case 0xd0: return this.ldr;
      case 0xe0: return this.dfr;
      case 0xf0: return this.svr;
      case 0x280: return 0;
      case 0x300: return this.icrLo & ~(1 << 12);
      case 0x310: return this.icrHi;
      case 0x380: return this.initialCount;
      case 0x390: return this.currentCount();
      case 0x3e0: return this.divideConfig;
    }
    if (reg >= 0x100 && reg < 0x280) {
      const arr = reg < 0x180 ? this.isr : reg < 0x200 ? this.tmr : this.irr;
      return arr[(reg >> 4) & 7];
    }
    const l = this.lvt.get(reg);
    return l ?? 0;
  }

  write(offset: number, size: number, value: number): void {
    if (size !== 4 || (offset & 0xf) !== 0) { this.counters.badAccess++; return; }
    const v = value >>> 0;
    const reg = offset & 0xff0;
    switch (reg) {
      case 0x20: this.id = v >>> 24; return;
      case 0x80: this.tpr = v & 0xff; return;
      case 0xb0: this.eoi(); return;
      case 0xd0: this.ldr = v & 0xff000000; return;
      case 0xe0: this.dfr = (v | 0x0fffffff) >>> 0; return;
      case 0xf0: {
        this.svr = v & 0x13ff;
        if (!this.swEnabled) for (const r of this.lvt.keys()) this.lvt.set(r, this.lvt.get(r)! | LVT_MASKED);
        return;
      }
      case 0x280: return; // ESR: write re-arms; we report no errors
      case 0x300: this.icrLo = v & 0xfffff; this.bus.sendIpi(this, this.icrLo, this.icrHi >>> 24); return;
      case 0x310: this.icrHi = v & 0xff000000; return;
      case 0x380: this.startTimer(v); return;
      case 0x3e0: this.divideConfig = v & 0xb; return;
    }
    const mask = LVT_WRITABLE.get(reg);
    if (mask === undefined) return; // read-only or reserved: ignored
    let nv = v & mask;
    if (!this.swEnabled) nv |= LVT_MASKED;
    if (reg === LVT_TIMER && ((nv >>> 17) & 3) !== this.timerMode()) {
      this.timerDeadline = Infinity; this.initialCount = 0; this.tscDeadline = 0; // mode switch disarms (as KVM)
    }
    this.lvt.set(reg, nv);
  }

  lvtValue(reg: number): number { return this.lvt.get(reg) ?? 0; }

  // ---- Interrupt state (SDM 11.8).

  /** PPR: TPR if its class >= the highest in-service class, else that class (SDM 11.8.3.1). */
  ppr(): number {
    const isrv = highestBit(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr : isrClass;
  }

  /** Fixed/lowest-priority interrupt arrives: set IRR (and TMR for level). False if dropped. */
  accept(vector: number, level: boolean): boolean {
    if (vector < 16) { this.counters.illegalVector++; return false; }
    if (!this.swEnabled) { this.counters.droppedDisabled++; return false; }
    setBit(this.irr, vector, true);
    setBit(this.tmr, vector, level);
    return true;
  }

  /** The vector the guest should take next (highest IRR above PPR), or -1. */
  pendingVector(): number {
    const v = highestBit(this.irr);
    if (v < 0 || (v & 0xf0) <= (this.ppr() & 0xf0)) return -1;
    return v;
  }

  /** The interrupt is being injected: IRR -> ISR. */
  acknowledge(vector: number): void {
    setBit(this.irr, vector, false);
    setBit(this.isr, vector, true);
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    setBit(this.isr, v, false);
    if (testBit(this.tmr, v)) this.bus.levelEoi(v);
  }

  /** The 8259's INTR reaches the CPU: APIC hardware-disabled, or LINT0 unmasked ExtINT (as KVM). */
  acceptsExtInt(): boolean {
    if (!this.hwEnabled) return true;
    const l0 = this.lvtValue(LVT_LINT0);
    return (l0 & LVT_MASKED) === 0 && ((l0 >>> 8) & 7) === DM_EXTINT;
  }

  /** Does an interrupt addressed to destField (mode 1 = logical) reach this APIC? */
  matches(destField: number, logical: boolean): boolean {
    if (!logical) return destField === 0xff || destField === this.id;
    if (destField === 0xff) return true;
    const ldr = this.ldr >>> 24;
    if ((this.dfr >>> 28) === 0xf) return (ldr & destField) !== 0; // flat
    return (ldr >>> 4) === (destField >>> 4) && (ldr & destField & 0xf) !== 0; // cluster
  }

  /** Delivery of an interrupt message (IOAPIC, MSI or IPI) to this APIC. */
  deliver(mode: number, vector: number, level: boolean): void {
    if (mode === DM_FIXED || mode === DM_LOWEST) this.accept(vector, level);
    else if (mode === DM_NMI) this.nmiPending++;
    else this.counters.unsupportedIpi++;
  }

  // ---- Timer (SDM 11.5.4).

  timerMode(): number { return (this.lvtValue(LVT_TIMER) >>> 17) & 3; }
  private divisor(): number {
    const d = (this.divideConfig & 3) | ((this.divideConfig >> 1) & 4);
    return d === 7 ? 1 : 2 << d;
  }
  private startTimer(count: number): void {
    this.initialCount = count;
    if (this.timerMode() === TIMER_TSC_DEADLINE) return; // initial count is ignored in TSC-deadline mode
    if (count === 0) { this.timerDeadline = Infinity; return; }
    this.timerPeriod = count * this.divisor() * (1e9 / APIC_BUS_HZ);
    this.timerDeadline = this.bus.now() + this.timerPeriod;
  }
  private currentCount(): number {
    if (this.timerMode() === TIMER_TSC_DEADLINE || this.timerDeadline === Infinity) return 0;
    let left = this.timerDeadline - this.bus.now();
    if (left < 0) left = this.timerMode() === TIMER_PERIODIC ? this.timerPeriod - ((-left) % this.timerPeriod) : 0;
    return Math.min(this.initialCount, Math.ceil(left / (this.divisor() * (1e9 / APIC_BUS_HZ)))) >>> 0;
  }

  /** WRMSR IA32_TSC_DEADLINE: only meaningful in TSC-deadline mode (writes elsewhere are ignored). */
  writeTscDeadline(v: number): void {
    if (this.timerMode() === TIMER_TSC_DEADLINE) this.tscDeadline = v;
  }
  readTscDeadline(): number { return this.timerMode() === TIMER_TSC_DEADLINE ? this.tscDeadline : 0; }

  /** Guest ns of the next timer event, or Infinity. */
  nextDeadline(): number {
    if (this.timerMode() === TIMER_TSC_DEADLINE) return this.tscDeadline === 0 ? Infinity : this.tscDeadline;
    return this.timerDeadline;
  }

  /** Fire the timer if due at `now` (guest ns). */
  poll(now: number): void {
    if (now < this.nextDeadline()) return;
    const mode = this.timerMode();
    if (mode === TIMER_TSC_DEADLINE) this.tscDeadline = 0;
    else if (mode === TIMER_PERIODIC && this.timerPeriod > 0) {
      this.timerDeadline += this.timerPeriod;
      if (this.timerDeadline <= now) { // missed periods are coalesced into one interrupt
        this.counters.timerCoalesced++;
        this.timerDeadline = now + this.timerPeriod;
      }
    } else this.timerDeadline = Infinity;
    this.counters.timerFired++;
    const lvt = this.lvtValue(LVT_TIMER);
    if ((lvt & LVT_MASKED) === 0) this.accept(lvt & 0xff, false);
  }

  /** APIC_BASE.EN cleared: back to reset state except ID and APIC_BASE (SDM 11.4.3). */
  private softReset(): void {
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    for (const r of this.lvt.keys()) this.lvt.set(r, LVT_MASKED);
    this.svr = 0xff; this.tpr = 0; this.ldr = 0; this.dfr = 0xffffffff;
    this.timerDeadline = Infinity; this.initialCount = 0; this.tscDeadline = 0; this.divideConfig = 0;
  }
}

function setBit(a: Uint32Array, v: number, on: boolean): void {
  if (on) a[v >>> 5] |= 1 << (v & 31); else a[v >>> 5] &= ~(1 << (v & 31));
}
function testBit(a: Uint32Array, v: number): boolean {
  return ((a[v >>> 5] >>> (v & 31)) & 1) !== 0;
}
function highestBit(a: Uint32Array): number {
  for (let i = 7; i >= 0; i--) if (a[i] !== 0) return i * 32 + 31 - Math.clz32(a[i]);
  return -1;
}
