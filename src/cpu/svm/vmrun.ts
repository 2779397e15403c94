// VMRUN and #VMEXIT as the APM's numbered steps (svm.md sections 9 and 10; APM Vol.2 15.5).
import type { Cpu } from '../cpu';
import { FAULT, VMEXIT } from '../exceptions';
import { step } from '../decoder';
import { runBlockOrStep } from '../jit/blocks';
import { dispatchException, takePendingEvent, updatePending } from '../events';
import { deliverEvent, EV_EXCEPTION, EV_EXTERNAL, EV_NMI, EV_SOFT_INT } from '../system/interrupts';
import { loadGuestState, saveGuestState } from './guest-state';
import { VMCB } from './vmcb-layout';
import { firstFailedCheck, readGuestStateForChecks, type VmrunCaps, CR4_SUPPORTED, EFER_SUPPORTED } from './consistency-checks';
import { MAX_PHYS_ADDR_BITS } from '../cpuid';
import { EFER_SVME, IF } from '../regs';
import { readLinSlow, resetFetch } from '../mmu';
import { SvmExit } from './exit-codes';

const EVENT_VALID = 0x80000000 | 0;
const TWO32 = 0x100000000;

/** Misuse of an SVM instruction by the host (it would #UD or #GP on hardware). */
export class SvmInstructionError extends Error {
  constructor(readonly exception: '#UD' | '#GP', why: string) {
    super(`${exception}: ${why}`);
    this.name = 'SvmInstructionError';
  }
}

export const VMRUN_CAPS: VmrunCaps = { maxPhyAddrBits: MAX_PHYS_ADDR_BITS, npSupported: true, cr4Supported: CR4_SUPPORTED, eferSupported: EFER_SUPPORTED };

/** The host-side legality checks shared by VMRUN, VMLOAD and VMSAVE (svm.md section 2). */
export function checkSvmAddress(c: Cpu, name: string, hpa: number): void {
  if ((c.hostEfer & EFER_SVME) === 0) throw new SvmInstructionError('#UD', `${name} with EFER.SVME = 0`);
  if (!Number.isInteger(hpa) || hpa < 0 || hpa % 4096 !== 0 || hpa >= 2 ** MAX_PHYS_ADDR_BITS || hpa + 4096 > c.mem.size) {
    throw new SvmInstructionError('#GP', `${name}: rAX = ${hpa} is not a 4 KiB-aligned address in host memory`);
  }
}

/** Result of the last consistency check failure, for tests and diagnostics. */
export let lastFailedCheck: string | null = null;

/**
 * VMRUN rAX=vmcbHpa. Runs the guest until #VMEXIT; `budget` instructions make one host
 * time slice, after which a physical INTR is pending (exit 60h when intercepted).
 */
export function vmrun(c: Cpu, vmcb: number, budget: number): void {
  // 1. Legality.
  checkSvmAddress(c, 'VMRUN', vmcb);
  const m = c.mem;
  // 2. Host state: the host is TypeScript; nothing to save beyond what the caller keeps.
  // 3. Control area and consistency checks -> VMEXIT_INVALID.
  const failed = firstFailedCheck(readGuestStateForChecks(m, vmcb, true), VMRUN_CAPS);
  const eventInj = m.read32(vmcb + VMCB.EVENTINJ);
  lastFailedCheck = failed;
  if (failed !== null) return exitInvalid(c, vmcb);
  for (let i = 0; i < 6; i++) c.intercepts[i] = m.read32(vmcb + 4 * i);
  c.iopmHpa = m.read32(vmcb + VMCB.IOPM_BASE_PA) & ~0xfff;
  c.msrpmHpa = m.read32(vmcb + VMCB.MSRPM_BASE_PA) & ~0xfff;
  c.tscOffset = m.read32(vmcb + VMCB.TSC_OFFSET + 4) * TWO32 + (m.read32(vmcb + VMCB.TSC_OFFSET) >>> 0);
  c.npEnable = (m.read32(vmcb + VMCB.MISC_CTL1) & 1) !== 0;
  c.nCr3 = (m.read32(vmcb + VMCB.N_CR3 + 4) & 0xfffff) * TWO32 + ((m.read32(vmcb + VMCB.N_CR3) & ~0xfff) >>> 0);
  const vintr = m.read32(vmcb + VMCB.V_INTR);
  c.vTpr = vintr & 0xff;
  c.vIrq = (vintr & 0x100) !== 0;
  c.vIntrPrio = (vintr >> 16) & 0xf;
  c.vIgnTpr = (vintr & (1 << 20)) !== 0;
  c.vIntrMasking = (vintr & (1 << 24)) !== 0;
  c.vIntrVector = m.read8(vmcb + VMCB.V_INTR + 4);
  // 4. Guest state.
  c.vmcbHpa = vmcb;
  c.guestMode = true;
  loadGuestState(c, vmcb);
  c.intShadow = (m.read32(vmcb + VMCB.INTERRUPT_STATE) & 1) !== 0;
  m.write32(vmcb + VMCB.EXITINFO2, 0); m.write32(vmcb + VMCB.EXITINFO2 + 4, 0);
  // 5. TLB_CONTROL and the guest ASID (svm.md 3.6, 13).
  const asid = m.read32(vmcb + VMCB.GUEST_ASID);
  const tlbControl = m.read8(vmcb + VMCB.TLB_CONTROL);
  if (tlbControl === 1) c.tlb.flushAll();
  else if (tlbControl === 3) c.tlb.flushAsid(asid, false);
  else if (tlbControl === 7) c.tlb.flushAsid(asid, true);
  c.asid = asid;
  c.asidTag = asid << 16;
  resetFetch(c);
  // 6. GIF := 1; V_IRQ pending.
  c.gif = true;
  c.physIntr = false;
  c.exitIntInfo = 0;
  c.exitIntInfoErr = 0;
  c.deliveringEvent = 0;
  updatePending(c);
  // 7-8. Inject EVENTINJ, then run.
  try {
    // Its legality was consistency check illegal_eventinj (step 3).
    if ((eventInj & EVENT_VALID) !== 0) injectEvent(c, eventInj, m.read32(vmcb + VMCB.EVENTINJ_ERR));
  } catch (e) {
    if (e === VMEXIT) return vmexitSteps(c);
    if (e !== FAULT) throw e;
    try { dispatchException(c); } catch (e2) { if (e2 === VMEXIT) return vmexitSteps(c); throw e2; }
  }
  runGuest(c, budget);
  vmexitSteps(c);
}

/** EVENTINJ delivery: not subject to the guest's intercepts for that event (svm.md section 7). */
function injectEvent(c: Cpu, lo: number, err: number): void {
  const vector = lo & 0xff;
  const type = (lo >> 8) & 7;
  const hasErr = (lo & (1 << 11)) !== 0;
  c.instrStart = c.rip;
  c.nextRip = c.rip;
  if (type === 4 || (type === 3 && (vector === 3 || vector === 4))) {
    // Software interrupts return past the instruction: nRIP (svm.md section 7, NRIPS).
    const m = c.mem, v = c.vmcbHpa;
    const lo2 = m.read32(v + VMCB.NRIP), hi2 = m.read32(v + VMCB.NRIP + 4);
    c.rip = c.mode64 ? ((hi2 << 16) >> 16) * TWO32 + (lo2 >>> 0) : lo2 >>> 0;
  }
  c.deliveringEvent = lo;
  c.deliveringErr = err;
  const kind = type === 2 ? EV_NMI : type === 3 ? EV_EXCEPTION : type === 4 ? EV_SOFT_INT : EV_EXTERNAL;
  deliverEvent(c, type === 2 ? 2 : vector, kind, hasErr, err);
  c.deliveringEvent = 0;
}

/**
 * The execution loop of guest mode: instructions until #VMEXIT. Allocation-free.
 * Exceptions are caught here and dispatched (intercept or IDT delivery).
 * When the slice ends a physical INTR becomes pending; if the guest keeps it masked
 * for a whole further slice, the exit is forced (a host watchdog, so that no guest can
 * keep the host from running).
 */
export function runGuest(c: Cpu, budget: number): void {
  let left = budget;
  let expired = 0;
  for (;;) {
    try {
      for (;;) {
        if (c.eventPending && !c.intShadow) takePendingEvent(c);
        if (left <= 0) {
          c.instructions += budget;
          left = budget;
          if (++expired > 1) forceIntrExit(c);
          c.physIntr = true;
          updatePending(c);
          continue;
        }
        if (c.halted) {
          // HLT: the rest of the slice passes with nothing to do.
          c.instructions -= left;
          left = 0;
          continue;
        }
        if (c.intShadow) {
          // The shadowed instruction: events stay blocked until it completes (an exit keeps the shadow).
          left--;
          step(c);
          c.intShadow = false;
        } else left -= runBlockOrStep(c, step);
      }
    } catch (e) {
      if (e === FAULT) {
        try {
          dispatchException(c);
          continue;
        } catch (e2) {
          e = e2;
        }
      }
      if (e === VMEXIT) {
        c.instructions += budget - left;
        return;
      }
      throw e;
    }
  }
}

function forceIntrExit(c: Cpu): never {
  c.instrStart = c.rip;
  c.nextRip = c.rip;
  c.physIntr = false;
  updatePending(c);
  c.exitCode = SvmExit.INTR;
  c.exitInfo1Lo = c.exitInfo1Hi = c.exitInfo2Lo = c.exitInfo2Hi = 0;
  throw VMEXIT;
}

function exitInvalid(c: Cpu, vmcb: number): void {
  const m = c.mem;
  m.write32(vmcb + VMCB.EXITCODE, SvmExit.INVALID); m.write32(vmcb + VMCB.EXITCODE + 4, -1);
  m.write32(vmcb + VMCB.EXITINFO1, 0); m.write32(vmcb + VMCB.EXITINFO1 + 4, 0);
  m.write32(vmcb + VMCB.EXITINFO2, 0); m.write32(vmcb + VMCB.EXITINFO2 + 4, 0);
  c.guestMode = false;
  c.gif = false;
}

/** #VMEXIT steps 2-6 (svm.md section 10). */
function vmexitSteps(c: Cpu): void {
  const m = c.mem, vmcb = c.vmcbHpa;
  c.rip = c.instrStart; // exits are fault-like (svm.md section 10 step 1)
  c.gif = false;
  m.write32(vmcb + VMCB.EXITCODE, c.exitCode); m.write32(vmcb + VMCB.EXITCODE + 4, c.exitCode >> 31);
  m.write32(vmcb + VMCB.EXITINFO1, c.exitInfo1Lo); m.write32(vmcb + VMCB.EXITINFO1 + 4, c.exitInfo1Hi);
  m.write32(vmcb + VMCB.EXITINFO2, c.exitInfo2Lo); m.write32(vmcb + VMCB.EXITINFO2 + 4, c.exitInfo2Hi);
  m.write32(vmcb + VMCB.EXITINTINFO, c.exitIntInfo); m.write32(vmcb + VMCB.EXITINTINFO_ERR, c.exitIntInfoErr);
  m.write32(vmcb + VMCB.EVENTINJ, m.read32(vmcb + VMCB.EVENTINJ) & ~EVENT_VALID);
  // NRIPS: next sequential RIP (meaningful for instruction intercepts).
  const n = nripValid(c.exitCode) ? c.nextRip : 0;
  m.write32(vmcb + VMCB.NRIP, n | 0); m.write32(vmcb + VMCB.NRIP + 4, Math.floor(n / TWO32) | 0);
  writeDecodeAssist(c, vmcb);
  saveGuestState(c, vmcb);
  m.write32(vmcb + VMCB.INTERRUPT_STATE, (c.intShadow ? 1 : 0) | ((c.flags & IF) !== 0 ? 2 : 0));
  m.write32(vmcb + VMCB.INTERRUPT_STATE + 4, 0);
  let vintr = m.read32(vmcb + VMCB.V_INTR);
  vintr = (vintr & ~0x1ff) | (c.vTpr & 0xff) | (c.vIrq ? 0x100 : 0);
  m.write32(vmcb + VMCB.V_INTR, vintr);
  c.guestMode = false;
  c.asid = 0;
  c.asidTag = 0;
  c.exitIntInfo = 0;
  c.halted = false;
  resetFetch(c);
}

/** NRIPS: nRIP is written for instruction intercepts (and INT3/INTO), zero for asynchronous exits, faults and NPF (APM Vol.2 15.7.1). */
function nripValid(code: number): boolean {
  if (code >= SvmExit.EXCP_BASE && code < SvmExit.INTR) return code === SvmExit.EXCP_BP || code === SvmExit.EXCP_OF;
  return !(code === SvmExit.INVALID || (code >= SvmExit.INTR && code <= SvmExit.VINTR) || code === SvmExit.SHUTDOWN || code === SvmExit.NPF);
}

/** Decode assists: the guest instruction bytes for #PF and NPF exits (svm.md section 10 step 3). */
function writeDecodeAssist(c: Cpu, vmcb: number): void {
  const m = c.mem;
  let n = 0;
  const fetchFault = (c.exitInfo1Lo & 16) !== 0; // ID: the fault was the instruction fetch
  if ((c.exitCode === SvmExit.NPF || c.exitCode === SvmExit.EXCP_PF) && !fetchFault) {
    // The exit fields are already in the VMCB; a fault while reading the bytes only ends the copy.
    for (; n < 15; n++) {
      try {
        const r = c.rip + n;
        const lo = c.mode64 ? r | 0 : (r + c.segBaseLo[1]) | 0;
        const hi = c.mode64 ? Math.floor(r / TWO32) | 0 : 0;
        m.write8(vmcb + VMCB.GUEST_INSN_BYTES + n, readLinSlow(c, lo, hi, 1));
      } catch (e) {
        if (e !== FAULT && e !== VMEXIT) throw e;
        break;
      }
    }
  }
  m.write8(vmcb + VMCB.GUEST_INSN_LEN, n);
}
