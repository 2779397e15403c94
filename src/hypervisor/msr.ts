// The MSRs the hypervisor emulates (MSR_PROT with the MSRPM bits set below, exit 7Ch; svm.md 8).
// Everything else runs unintercepted on the CPU model (which #GPs on MSRs it does not know).
//  - IA32_APIC_BASE (1Bh): owned by the LAPIC (enable, relocation; x2APIC is refused).
//  - IA32_TSC_DEADLINE (6E0h): the LAPIC timer in TSC-deadline mode.
//  - TSC (10h) writes: move this vCPU's TSC_OFFSET, so the guest cannot shift the host TSC.
//  - EFER (C000_0080h): VMRUN requires guest EFER.SVME = 1 (svm.md 9.2 check 1), so the VMCB
//    keeps SVME set and the guest sees and sets EFER without it (as KVM does).
//  - VM_CR (C001_0114h) reads SVMDIS|LOCK, VM_HSAVE_PA (C001_0117h) #GP: no nested SVM.
//  - x2APIC registers (800h-8FFh): #GP, x2APIC is not offered.
// MSRs outside the MSRPM ranges always exit (svm.md 8) and get #GP here.
import { setMsrIntercept } from '../cpu/svm/msrpm';
import type { PhysMem } from '../cpu/phys-mem';
import { EFER_LMA, EFER_LME, EFER_SVME, CR0_PG, MSR_APIC_BASE, MSR_EFER, MSR_TSC, MSR_VM_CR, MSR_VM_HSAVE_PA } from '../cpu/regs';
import { EFER_SUPPORTED } from '../cpu/svm/consistency-checks';
import { VMCB } from '../cpu/svm/vmcb-layout';
import type { Lapic } from './lapic';
import type { GuestRegs } from './guest-regs';

export const MSR_TSC_DEADLINE = 0x6e0;
const TWO32 = 0x1_0000_0000;

/** MSRPM bits: [msr, intercept reads, intercept writes]. */
const INTERCEPTED: ReadonlyArray<readonly [number, boolean, boolean]> = [
  [MSR_APIC_BASE, true, true], [MSR_TSC_DEADLINE, true, true], [MSR_TSC, false, true],
  [MSR_EFER, true, true], [MSR_VM_CR, true, true], [MSR_VM_HSAVE_PA, true, true],
];

export function initMsrpm(mem: PhysMem, msrpm: number): void {
  for (const [msr, r, w] of INTERCEPTED) setMsrIntercept(mem, msrpm, msr, r, w);
  for (let m = 0x800; m < 0x900; m++) setMsrIntercept(mem, msrpm, m, true, true);
}

export interface MsrContext { regs: GuestRegs; lapic: Lapic; }

/** RDMSR: the value, or null for #GP. */
export function readEmulatedMsr(ctx: MsrContext, msr: number): number | null {
  switch (msr >>> 0) {
    case MSR_APIC_BASE: return ctx.lapic.apicBase;
    case MSR_TSC_DEADLINE: return ctx.lapic.readTscDeadline();
    case MSR_EFER: return ctx.regs.read32(VMCB.EFER) & ~EFER_SVME;
    case MSR_VM_CR: return 0x18;
  }
  return null;
}

/** WRMSR: false for #GP. `now` is the guest TSC (for TSC writes). */
export function writeEmulatedMsr(ctx: MsrContext, msr: number, lo: number, hi: number, guestTsc: number): boolean {
  const { regs, lapic } = ctx;
  switch (msr >>> 0) {
    case MSR_APIC_BASE: return lapic.writeApicBase(lo, hi);
    case MSR_TSC_DEADLINE: lapic.writeTscDeadline((hi >>> 0) * TWO32 + (lo >>> 0)); return true;
    case MSR_TSC: {
      const want = (hi >>> 0) * TWO32 + (lo >>> 0);
      regs.write64(VMCB.TSC_OFFSET, regs.read64(VMCB.TSC_OFFSET) + (want - guestTsc));
      return true;
    }
    case MSR_EFER: {
      if (hi !== 0 || (lo & ~EFER_SUPPORTED & ~EFER_SVME) !== 0 || (lo & EFER_SVME) !== 0) return false;
      const old = regs.read32(VMCB.EFER);
      // LME may not change while paging is on; LMA is read-only (APM Vol.2 14.6).
      if ((regs.read32(VMCB.CR0) & CR0_PG) !== 0 && ((lo ^ old) & EFER_LME) !== 0) return false;
      regs.write32(VMCB.EFER, (lo & ~EFER_LMA) | (old & EFER_LMA) | EFER_SVME);
      return true;
    }
  }
  return false;
}
