// The inner loop of the classic design (ARCHITECTURE.md, hypervisor/): VMRUN; handle the easy
// exits here (NPF on RAM, CPUID, MSRs, HLT, the interrupt window, the LAPIC, INTR at the end
// of a time slice) and VMRUN again; return the hard ones (port I/O, device MMIO) to the VMM.
import { Cpu } from '../cpu/cpu';
import { hostTsc } from '../cpu/system/msr';
import { VMCB } from '../cpu/svm/vmcb-layout';
import { SvmExit } from '../cpu/svm/exit-codes';
import { Intercept } from '../cpu/svm/intercepts';
import { lastFailedCheck } from '../cpu/svm/vmrun';
import { IF, RAX, RCX, RDX, RBX, UD } from '../cpu/regs';
import type { PhysMem } from '../cpu/phys-mem';
import type { GuestMemory } from './guest-memory';
import { GuestRegs } from './guest-regs';
import { Lapic } from './lapic';
import { ExitStats } from './stats';
import { VcpuUsageError, type HvExit } from './exits';
import { guestCpuid } from './cpuid';
import { readEmulatedMsr, writeEmulatedMsr } from './msr';
import { handleIoio } from './exit-io';
import { handleNpf } from './exit-npf';
import { initVmcb, V_INTR_MASKING, type VmcbPolicy } from './vmcb-setup';

const EV_VALID = 0x80000000 | 0;
const V_IRQ = 1 << 8, V_IGN_TPR = 1 << 20;
const VINTR_MASK = Intercept.VINTR.mask;

/** The VMM's legacy interrupt controller (8259 pair) as seen by the CPU's INTR pin (LINT0 ExtINT). */
export interface ExternalInterrupts {
  hasExtInt(): boolean;
  /** INTA: the vector of the highest pending IRQ (the PIC moves it to in-service). */
  ackExtInt(): number;
}

/** What a vCPU needs from its VM. */
export interface VcpuEnv {
  readonly ram: GuestMemory;
  readonly mem: PhysMem;
  readonly extInt: ExternalInterrupts | null;
  sendIpi(from: Lapic, icrLo: number, destField: number): void;
  levelEoi(vector: number): void;
}

export interface VcpuTuning {
  /** Most instructions per VMRUN (one host time slice of the CPU: INTR exit after it). */
  maxBudget: number;
  /** Wall ms after which run() returns a 'slice' exit so the VMM can turn the event loop. */
  sliceMs: number;
}

export class HvVcpu {
  readonly cpu: Cpu;
  readonly regs: GuestRegs;
  readonly lapic: Lapic;
  readonly stats = new ExitStats();
  /** Guest time (ns) of the VMM's next device timer (Vcpu.setDeviceDeadline); Infinity if none. */
  deviceDeadlineNs = Infinity;
  readonly tuning: VcpuTuning = { maxBudget: 200_000, sliceMs: 20 };
  halted = false;
  private dead: HvExit | null = null;
  /** Continuation of an exit that needs the VMM's read data (IN, INS, MMIO read). */
  awaitingRead: ((value: number) => HvExit | null) | null = null;
  private readValue: number | null = null;
  /** An exit to report before re-entering the guest (high half of an 8-byte MMIO write). */
  followUp: HvExit | null = null;
  private lastReturn = 0;
  /** Guest instructions per ns, measured: sizes VMRUN budgets to the next timer deadline. */
  private ipns = 0.01;
  private readonly cpuidOut = new Int32Array(4);

  constructor(readonly env: VcpuEnv, readonly id: number, readonly vmcb: number, policy: VmcbPolicy) {
    this.cpu = new Cpu(env.mem);
    initVmcb(env.mem, vmcb, policy);
    this.cpu.vmload(vmcb);
    this.regs = new GuestRegs(this.cpu, vmcb);
    this.lapic = new Lapic({ now: () => this.guestTimeNs(), levelEoi: (v) => env.levelEoi(v), sendIpi: (f, lo, d) => env.sendIpi(f, lo, d) }, id, id === 0);
  }

  /** Guest time in ns = the guest TSC (1 GHz): host TSC + this vCPU's TSC_OFFSET. */
  guestTimeNs(): number {
    return hostTsc(this.cpu) + this.regs.read64(VMCB.TSC_OFFSET);
  }

  completeRead(value: number): void {
    if (this.awaitingRead === null) throw new VcpuUsageError('completeRead() without a pending read exit');
    if (!Number.isInteger(value)) throw new VcpuUsageError(`completeRead(${value}): not an integer`);
    this.readValue = value >>> 0;
  }

  run(): HvExit {
    const t0 = performance.now();
    if (this.lastReturn > 0) this.stats.vmmMs += t0 - this.lastReturn;
    const ex = this.runInner(t0);
    const t1 = performance.now();
    this.stats.hypervisorMs += t1 - t0;
    this.lastReturn = t1;
    return ex;
  }

  private runInner(t0: number): HvExit {
    if (this.dead) return this.dead;
    if (this.awaitingRead !== null) {
      if (this.readValue === null) throw new VcpuUsageError('run() before completeRead() of the last read exit');
      const k = this.awaitingRead, v = this.readValue;
      this.awaitingRead = null; this.readValue = null;
      const ex = k(v);
      if (ex) return ex;
    }
    if (this.followUp) { const ex = this.followUp; this.followUp = null; return ex; }
    const m = this.env.mem, v = this.vmcb;
    for (;;) {
      const now = this.guestTimeNs();
      this.lapic.poll(now);
      // A device timer of the VMM (e.g. the PIT) is due: return so the VMM can raise its interrupt.
      if (now >= this.deviceDeadlineNs) return { kind: 'slice' };
      if (this.halted) {
        if (!this.canWake()) return this.haltExit();
        this.halted = false;
      }
      this.injectEvents();
      const budget = this.budgetUntil(Math.min(this.lapic.nextDeadline(), this.deviceDeadlineNs) - now);
      const g0 = performance.now(), i0 = this.cpu.instructions;
      this.cpu.vmrun(v, budget);
      const g1 = performance.now();
      this.stats.guestMs += g1 - g0;
      this.stats.hypervisorMs -= g1 - g0; // counted inside run()'s total
      if (g1 > g0) this.ipns = 0.8 * this.ipns + 0.2 * ((this.cpu.instructions - i0) / ((g1 - g0) * 1e6));
      m.write8(v + VMCB.TLB_CONTROL, 0);
      const code = m.read32(v + VMCB.EXITCODE);
      this.stats.count(code);
      this.reinjectInterrupted();
      const ex = this.handleExit(code);
      if (ex) {
        if (ex.kind === 'shutdown' || ex.kind === 'internal-error') this.dead = ex;
        return ex;
      }
      if (performance.now() - t0 >= this.tuning.sliceMs) return { kind: 'slice' };
    }
  }

  private budgetUntil(ns: number): number {
    if (!(ns < Infinity)) return this.tuning.maxBudget;
    return Math.max(1000, Math.min(this.tuning.maxBudget, Math.floor(ns * this.ipns)));
  }

  private handleExit(code: number): HvExit | null {
    const r = this.regs;
    switch (code) {
      case SvmExit.INTR: case SvmExit.NMI: case SvmExit.SMI: case SvmExit.INIT: return null;
      case SvmExit.VINTR: this.setWindow(false); return null;
      case SvmExit.NPF: return handleNpf(this);
      case SvmExit.IOIO: return handleIoio(this);
      case SvmExit.CPUID: {
        const o = this.cpuidOut;
        guestCpuid(this.cpu.cpuid, r.lo(RAX), r.lo(RCX), this.lapic.id, this.lapic.hwEnabled, o);
        r.set(RAX, o[0], 0); r.set(RBX, o[1], 0); r.set(RCX, o[2], 0); r.set(RDX, o[3], 0);
        r.skipToNrip();
        return null;
      }
      case SvmExit.MSR: return this.msrExit();
      case SvmExit.HLT: r.skipToNrip(); this.halted = true; return null;
      case SvmExit.SHUTDOWN: return { kind: 'shutdown', reason: 'triple fault' };
      case SvmExit.VMRUN: case SvmExit.VMMCALL: case SvmExit.VMLOAD: case SvmExit.VMSAVE: case SvmExit.STGI:
      case SvmExit.CLGI: case SvmExit.SKINIT: case SvmExit.INVLPGA: case SvmExit.MONITOR: case SvmExit.MWAIT:
      case SvmExit.MWAIT_COND:
        this.injectException(UD); // not offered to the guest (cpuid.ts)
        return null;
      case SvmExit.INVALID:
        return { kind: 'internal-error', reason: `VMRUN consistency check failed: ${lastFailedCheck ?? '?'}`, exitCode: 'INVALID' };
    }
    return this.internalError(code, 'unexpected #VMEXIT');
  }

  internalError(code: number, reason: string, bytes?: number[]): HvExit {
    return { kind: 'internal-error', reason, exitCode: String(code === -1 ? 'INVALID' : `0x${code.toString(16)}`), bytes };
  }

  private msrExit(): HvExit | null {
    const r = this.regs;
    const msr = r.lo(RCX) >>> 0;
    const ctx = { regs: r, lapic: this.lapic };
    if (r.read32(VMCB.EXITINFO1) === 0) {
      const val = readEmulatedMsr(ctx, msr);
      if (val === null) return this.guestGp();
      r.set(RAX, val % 0x1_0000_0000 | 0, 0); r.set(RDX, Math.floor(val / 0x1_0000_0000) | 0, 0);
    } else if (!writeEmulatedMsr(ctx, msr, r.lo(RAX), r.lo(RDX), this.guestTimeNs())) return this.guestGp();
    r.skipToNrip();
    return null;
  }

  private guestGp(): null {
    this.stats.guestErrors++;
    this.injectException(13, 0);
    return null;
  }

  /** Queue an exception for the next VMRUN (EVENTINJ type 3: svm.md 7). */
  injectException(vector: number, errorCode?: number): void {
    const m = this.env.mem, v = this.vmcb;
    m.write32(v + VMCB.EVENTINJ, vector | (3 << 8) | (errorCode !== undefined ? 1 << 11 : 0) | EV_VALID);
    m.write32(v + VMCB.EVENTINJ_ERR, errorCode ?? 0);
  }

  /** EXITINTINFO: an event whose delivery the exit interrupted is injected again (svm.md 7). INTn/INT3/INTO re-execute instead. */
  private reinjectInterrupted(): void {
    const m = this.env.mem, v = this.vmcb;
    const info = m.read32(v + VMCB.EXITINTINFO);
    if ((info & EV_VALID) === 0) return;
    const type = (info >> 8) & 7, vec = info & 0xff;
    if (type === 4 || (type === 3 && (vec === 3 || vec === 4))) return;
    m.write32(v + VMCB.EVENTINJ, info);
    m.write32(v + VMCB.EVENTINJ_ERR, m.read32(v + VMCB.EXITINTINFO_ERR));
  }

  /** Can an interrupt end the halt? (IF=0 halts until NMI.) */
  private canWake(): boolean {
    if (this.lapic.nmiPending > 0) return true;
    if ((this.regs.rflags & IF) === 0) return false;
    return this.extIntPending() || this.lapic.pendingVector() >= 0;
  }

  private extIntPending(): boolean {
    const x = this.env.extInt;
    return x !== null && this.lapic.acceptsExtInt() && x.hasExtInt();
  }

  private haltExit(): HvExit {
    const d = this.lapic.nextDeadline();
    return { kind: 'halt', untilNs: d < Infinity ? d : null, interruptsMasked: (this.regs.rflags & IF) === 0 };
  }

  /** Before VMRUN: inject the highest-priority deliverable event, or ask for an interrupt window (APM Vol.2 15.20-15.21). */
  private injectEvents(): void {
    const m = this.env.mem, v = this.vmcb;
    const busy = (m.read32(v + VMCB.EVENTINJ) & EV_VALID) !== 0;
    if (!busy && this.lapic.nmiPending > 0) {
      this.lapic.nmiPending--;
      m.write32(v + VMCB.EVENTINJ, 2 | (2 << 8) | EV_VALID);
      this.setWindow(this.extIntPending() || this.lapic.pendingVector() >= 0);
      return;
    }
    const canTake = !busy && (this.regs.rflags & IF) !== 0 && (m.read32(v + VMCB.INTERRUPT_STATE) & 1) === 0;
    if (canTake) {
      let vector = -1;
      if (this.extIntPending()) vector = this.env.extInt!.ackExtInt() & 0xff;
      else {
        vector = this.lapic.pendingVector();
        if (vector >= 0) this.lapic.acknowledge(vector);
      }
      if (vector >= 0) m.write32(v + VMCB.EVENTINJ, vector | EV_VALID);
    }
    this.setWindow(this.extIntPending() || this.lapic.pendingVector() >= 0);
  }

  /** The interrupt-window technique: V_IRQ pending with VINTR intercepted exits as soon as the guest can take an interrupt. */
  private setWindow(on: boolean): void {
    const m = this.env.mem, v = this.vmcb;
    const w3 = m.read32(v + VMCB.INTERCEPT_WORD3);
    m.write32(v + VMCB.INTERCEPT_WORD3, on ? w3 | VINTR_MASK : w3 & ~VINTR_MASK);
    m.write32(v + VMCB.V_INTR, (m.read32(v + VMCB.V_INTR) & 0xff) | V_INTR_MASKING | (on ? V_IRQ | V_IGN_TPR : 0)); // keep V_TPR (guest CR8)
  }
}
