// The hypervisor's VMCB policy for one vCPU (svm.md 3): which events exit, and the initial
// guest state. Intercepts: INTR (end of the host time slice), NMI, SMI, INIT, CPUID, HLT,
// INVLPGA, IOIO_PROT (IOPM: every port), MSR_PROT (MSRPM: msr.ts), SHUTDOWN; every SVM
// instruction (VMRUN must be, svm.md 9.2 check 11; the rest would let the guest reach the
// host's SVM state) and MONITOR/MWAIT (not offered). VINTR is set only while waiting for an
// interrupt window (vcpu-loop.ts). No exception or CR intercepts: nested paging lets the
// guest own its page tables, faults and control registers.
import type { PhysMem } from '../cpu/phys-mem';
import { VMCB } from '../cpu/svm/vmcb-layout';
import { Intercept, type InterceptName } from '../cpu/svm/intercepts';
import { EFER_SVME } from '../cpu/regs';

const WORD3: InterceptName[] = ['INTR', 'NMI', 'SMI', 'INIT', 'CPUID', 'HLT', 'INVLPGA', 'IOIO_PROT', 'MSR_PROT', 'SHUTDOWN'];
const WORD4: InterceptName[] = ['VMRUN', 'VMMCALL', 'VMLOAD', 'VMSAVE', 'STGI', 'CLGI', 'SKINIT', 'MONITOR', 'MWAIT', 'MWAIT_COND'];
export const V_INTR_MASKING = 1 << 24;
const TWO32 = 0x1_0000_0000;

export interface VmcbPolicy {
  asid: number;
  /** TLB_CONTROL for the first VMRUN: 3 (flush this ASID) when the ASID was used before. */
  flushFirst: boolean;
  iopm: number;
  msrpm: number;
  nCr3: number;
  tscOffset: number;
}

export function initVmcb(m: PhysMem, v: number, p: VmcbPolicy): void {
  m.fill(v, 0x1000, 0);
  let w3 = 0, w4 = 0;
  for (const n of WORD3) w3 |= Intercept[n].mask;
  for (const n of WORD4) w4 |= Intercept[n].mask;
  m.write32(v + VMCB.INTERCEPT_WORD3, w3);
  m.write32(v + VMCB.INTERCEPT_WORD4, w4);
  m.write64n(v + VMCB.IOPM_BASE_PA, p.iopm);
  m.write64n(v + VMCB.MSRPM_BASE_PA, p.msrpm);
  m.write32(v + VMCB.TSC_OFFSET, p.tscOffset % TWO32 | 0);
  m.write32(v + VMCB.TSC_OFFSET + 4, Math.floor(p.tscOffset / TWO32) | 0);
  m.write32(v + VMCB.GUEST_ASID, p.asid);
  m.write8(v + VMCB.TLB_CONTROL, p.flushFirst ? 3 : 0);
  m.write32(v + VMCB.V_INTR, V_INTR_MASKING);
  m.write32(v + VMCB.MISC_CTL1, 1); // NP_ENABLE
  m.write64n(v + VMCB.N_CR3, p.nCr3);
  m.write32(v + VMCB.G_PAT, 0x00070406); m.write32(v + VMCB.G_PAT + 4, 0x00070406);
  resetState(m, v);
}

/** x86 reset state (APM Vol.2 14.1.3): real mode at F000:FFF0, CS base FFFF_0000h. */
function resetState(m: PhysMem, v: number): void {
  const seg = (off: number, sel: number, base: number, attr: number) => {
    m.write16(v + off, sel); m.write16(v + off + 2, attr); m.write32(v + off + 4, 0xffff); m.write64n(v + off + 8, base);
  };
  seg(VMCB.CS_SELECTOR, 0xf000, 0xffff0000, 0x9b);
  for (const s of [VMCB.ES_SELECTOR, VMCB.SS_SELECTOR, VMCB.DS_SELECTOR, VMCB.FS_SELECTOR, VMCB.GS_SELECTOR]) seg(s, 0, 0, 0x93);
  seg(VMCB.LDTR_SELECTOR, 0, 0, 0x82);
  seg(VMCB.TR_SELECTOR, 0, 0, 0x8b);
  m.write32(v + VMCB.GDTR_LIMIT, 0xffff); m.write32(v + VMCB.IDTR_LIMIT, 0xffff);
  m.write32(v + VMCB.CR0, 0x60000010);
  m.write32(v + VMCB.EFER, EFER_SVME);
  m.write32(v + VMCB.RFLAGS, 2);
  m.write32(v + VMCB.RIP, 0xfff0);
  m.write32(v + VMCB.DR6, 0xffff0ff0);
  m.write32(v + VMCB.DR7, 0x400);
}
