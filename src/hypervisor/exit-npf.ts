// Nested page faults (exit 400h; EXITINFO1 = svm.md 6.2 error code, EXITINFO2 = GPA).
//  - guest RAM: back the page, map it and re-run (lazy fill; counted as ramPagesFaulted).
//  - the LAPIC page (APIC_BASE, when enabled): emulate the access against the hypervisor's LAPIC.
//  - anything else is device MMIO: emulate the faulting instruction (mmio-decode.ts) and return
//    an 'mmio' exit to the VMM, whose bus decides (unclaimed addresses: reads all ones, writes
//    dropped, counted by the VMM). Such pages are never mapped, so the guest cannot reach host memory.
//  Instruction fetches from MMIO and guest page tables outside RAM end the VM (internal-error).
import { VMCB } from '../cpu/svm/vmcb-layout';
import type { HvExit } from './exits';
import { decodeMmioInsn, type MmioInsn } from './mmio-decode';
import { linearAddress, translateLinear } from './guest-walk';
import type { HvVcpu } from './vcpu-loop';
import { SvmExit } from '../cpu/svm/exit-codes';
import { CS } from '../cpu/regs';

const NPF_ID = 1 << 4;
const NPF_GUEST_PAGE_HI = 1 << 1; // EXITINFO1 bit 33

export function handleNpf(vc: HvVcpu): HvExit | null {
  const r = vc.regs, ram = vc.env.ram;
  const gpa = r.read64(VMCB.EXITINFO2);
  const info1 = r.read32(VMCB.EXITINFO1);
  if (ram.isRam(gpa)) {
    if (ram.hostPageOf(gpa) > 0) return vc.internalError(SvmExit.NPF, `NPF (error 0x${(info1 >>> 0).toString(16)}) on mapped RAM at 0x${gpa.toString(16)}`);
    ram.ensurePage(gpa);
    vc.stats.ramPagesFaulted++;
    return null;
  }
  if ((r.read32(VMCB.EXITINFO1 + 4) & NPF_GUEST_PAGE_HI) !== 0) {
    return vc.internalError(SvmExit.NPF, `guest page tables at 0x${gpa.toString(16)}, outside RAM`);
  }
  if ((info1 & NPF_ID) !== 0) return vc.internalError(SvmExit.NPF, `instruction fetch from 0x${gpa.toString(16)}, outside RAM`);

  const bytes = insnBytes(vc);
  const bits = r.codeBits();
  const insn = decodeMmioInsn(bytes, bits);
  if (insn === null) return vc.internalError(SvmExit.NPF, `unhandled MMIO instruction at 0x${gpa.toString(16)}`, [...bytes]);
  vc.stats.mmioEmulated++;
  const lapic = vc.lapic;
  if (lapic.hwEnabled && gpa - (gpa % 4096) === lapic.mmioBase) {
    const off = gpa % 4096;
    if (insn.isWrite) {
      const [lo, hi] = storeValue(vc, insn);
      lapic.write(off, Math.min(insn.size, 4), lo);
      if (insn.size === 8) lapic.write(off + 4, 4, hi);
    } else {
      const lo = lapic.read(off, Math.min(insn.size, 4));
      applyLoad(vc, insn, lo, insn.size === 8 ? lapic.read(off + 4, 4) : 0);
    }
    r.advance(insn.length);
    return null;
  }
  // Device MMIO: the VMM performs the access.
  if (insn.isWrite) {
    const [lo, hi] = storeValue(vc, insn);
    r.advance(insn.length);
    if (insn.size === 8) vc.followUp = { kind: 'mmio', gpa: gpa + 4, size: 4, isWrite: true, value: hi >>> 0 };
    return { kind: 'mmio', gpa, size: insn.size === 8 ? 4 : insn.size, isWrite: true, value: lo >>> 0 };
  }
  if (insn.size === 8) {
    vc.awaitingRead = (lo) => {
      vc.awaitingRead = (hi) => { applyLoad(vc, insn, lo, hi); r.advance(insn.length); return null; };
      return { kind: 'mmio', gpa: gpa + 4, size: 4, isWrite: false, value: 0 };
    };
    return { kind: 'mmio', gpa, size: 4, isWrite: false, value: 0 };
  }
  vc.awaitingRead = (v) => { applyLoad(vc, insn, v, 0); r.advance(insn.length); return null; };
  return { kind: 'mmio', gpa, size: insn.size, isWrite: false, value: 0 };
}

/** Decode-assist bytes (svm.md 10 step 3), or a software fetch at CS:RIP if the CPU gave none. */
function insnBytes(vc: HvVcpu): Uint8Array {
  const r = vc.regs;
  const n = vc.cpu.mem.read8(vc.vmcb + VMCB.GUEST_INSN_LEN);
  if (n > 0) return vc.cpu.mem.u8.slice(vc.vmcb + VMCB.GUEST_INSN_BYTES, vc.vmcb + VMCB.GUEST_INSN_BYTES + Math.min(n, 15));
  const out: number[] = [];
  try {
    const bits = r.codeBits();
    for (let i = 0; i < 15; i++) {
      const gpa = translateLinear(r, vc.env.ram, linearAddress(r, CS, r.rip + i, bits), false);
      if (!vc.env.ram.isRam(gpa)) break;
      out.push(vc.env.ram.read(gpa, 1)[0]);
    }
  } catch { /* a fault ends the bytes */ }
  return Uint8Array.from(out);
}

/** The value a store writes: the register (or AH..BH) or the immediate, as (lo, hi) masked to the size. */
function storeValue(vc: HvVcpu, insn: MmioInsn): [number, number] {
  let lo: number, hi: number;
  if (insn.reg < 0) { lo = insn.immLo; hi = insn.immHi; } else {
    lo = vc.regs.lo(insn.reg); hi = vc.regs.hi(insn.reg);
    if (insn.highByte) lo >>>= 8;
  }
  if (insn.size < 4) { lo &= insn.size === 1 ? 0xff : 0xffff; hi = 0; } else if (insn.size === 4) hi = 0;
  return [lo >>> 0, hi >>> 0];
}

/** Write loaded data to the destination register with zero/sign extension and the x86 merge rules. */
function applyLoad(vc: HvVcpu, insn: MmioInsn, lo: number, hi: number): void {
  const r = vc.regs;
  let vlo = lo | 0, vhi = hi | 0;
  if (insn.size < 4) {
    const sh = 32 - insn.size * 8;
    vlo = insn.signExtend ? (lo << sh) >> sh : (lo << sh) >>> sh;
    vhi = insn.signExtend ? vlo >> 31 : 0;
  } else if (insn.size === 4) vhi = insn.signExtend ? vlo >> 31 : 0;
  const reg = insn.reg;
  switch (insn.regSize) {
    case 1:
      if (insn.highByte) r.set(reg, (r.lo(reg) & ~0xff00) | ((vlo & 0xff) << 8), r.hi(reg));
      else r.set(reg, (r.lo(reg) & ~0xff) | (vlo & 0xff), r.hi(reg));
      break;
    case 2: r.set(reg, (r.lo(reg) & ~0xffff) | (vlo & 0xffff), r.hi(reg)); break;
    case 4: r.set(reg, vlo, 0); break;
    case 8: r.set(reg, vlo, vhi); break;
  }
}
