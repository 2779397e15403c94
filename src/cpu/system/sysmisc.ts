// CPUID, INVD, WBINVD, UD0/UD1/UD2, RSM and the fast system calls SYSCALL/SYSRET and
// SYSENTER/SYSEXIT (APM Vol.3; Vol.2 6.1). Intercepts: CPUID 72h, RSM 73h, INVD 76h,
// WBINVD 89h.
import type { Cpu } from '../cpu';
import { checkIntercept, raiseGP, raiseUD } from '../exceptions';
import { materializeFlags } from '../flags';
import { setCpl, resetFetch } from '../mmu';
import { def, OP_0F } from '../isa/table';
import { CS, EFER_LMA, EFER_SCE, IF, R11, RAX, RBX, RCX, RDX, RF, RSP, SS, VM } from '../regs';
import { loadSegmentRaw } from './segments';
import { SvmExit } from '../svm/exit-codes';

const TWO32 = 0x100000000;
/** Flat segment attributes (VMCB format): 64-bit code, 32-bit code, data; DPL in bits 6:5. */
const CODE64 = 0xa9b, CODE32 = 0xc9b, DATA = 0xc93, DPL3 = 3 << 5;

const cpuidOut = new Int32Array(4);
function cpuid(c: Cpu): void {
  checkIntercept(c, SvmExit.CPUID);
  c.cpuid.query(c.gpr[RAX << 1], c.gpr[RCX << 1], cpuidOut);
  const g = c.gpr;
  g[RAX << 1] = cpuidOut[0]; g[(RAX << 1) | 1] = 0;
  g[RBX << 1] = cpuidOut[1]; g[(RBX << 1) | 1] = 0;
  g[RCX << 1] = cpuidOut[2]; g[(RCX << 1) | 1] = 0;
  g[RDX << 1] = cpuidOut[3]; g[(RDX << 1) | 1] = 0;
}

function cacheOp(c: Cpu, exit: number): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, exit);
}

function loadFlat(c: Cpu, s: number, sel: number, attr: number): void {
  loadSegmentRaw(c, s, sel, 0, -1, attr);
}

/** SYSCALL: CS/SS from STAR[47:32], RIP from LSTAR (64-bit) / CSTAR (compatibility) / STAR[31:0] (legacy). */
function syscall(c: Cpu): void {
  if ((c.efer & EFER_SCE) === 0 || !c.protectedMode) raiseUD(c);
  const sel = c.starHi & 0xfffc;
  const next = c.rip;
  materializeFlags(c);
  if ((c.efer & EFER_LMA) !== 0) {
    const target = c.mode64 ? c.lstarHi * TWO32 + (c.lstarLo >>> 0) : c.cstarHi * TWO32 + (c.cstarLo >>> 0);
    c.gpr[RCX << 1] = next | 0; c.gpr[(RCX << 1) | 1] = Math.floor(next / TWO32) | 0;
    c.gpr[R11 << 1] = c.flags & ~RF; c.gpr[(R11 << 1) | 1] = 0;
    c.flags = (c.flags & ~c.sfmask & ~RF) | 2;
    loadFlat(c, CS, sel, CODE64);
    loadFlat(c, SS, sel + 8, DATA);
    c.rip = target;
  } else {
    c.gpr[RCX << 1] = next | 0;
    c.flags &= ~(VM | IF | RF);
    loadFlat(c, CS, sel, CODE32);
    loadFlat(c, SS, sel + 8, DATA);
    c.rip = c.starLo >>> 0;
  }
  setCpl(c, 0);
  c.updateMode();
  resetFetch(c);
}

/** SYSRET: CS from STAR[63:48] (+16 for a 64-bit return), SS = STAR[63:48]+8, CPL 3. */
function sysret(c: Cpu): void {
  if ((c.efer & EFER_SCE) === 0) raiseUD(c);
  if (!c.protectedMode || c.cpl !== 0) raiseGP(c, 0);
  const base = c.starHi >>> 16;
  materializeFlags(c);
  if ((c.efer & EFER_LMA) !== 0) {
    if (c.opSize === 8) {
      const hi = c.gpr[(RCX << 1) | 1];
      if ((hi << 16) >> 16 !== hi) raiseGP(c, 0);
      loadFlat(c, CS, (base + 16) | 3, CODE64 | DPL3);
      c.rip = hi * TWO32 + (c.gpr[RCX << 1] >>> 0);
    } else {
      loadFlat(c, CS, base | 3, CODE32 | DPL3);
      c.rip = c.gpr[RCX << 1] >>> 0;
    }
    c.flags = (c.gpr[R11 << 1] & ~(RF | VM) & 0x3c7fd7) | 2;
  } else {
    loadFlat(c, CS, base | 3, CODE32 | DPL3);
    c.rip = c.gpr[RCX << 1] >>> 0;
    c.flags |= IF;
  }
  loadFlat(c, SS, (base + 8) | 3, DATA | DPL3);
  setCpl(c, 3);
  c.updateMode();
  resetFetch(c);
}

/** SYSENTER/SYSEXIT: legacy and compatibility... on AMD only outside long mode (#UD in long mode). */
function sysenter(c: Cpu): void {
  if ((c.efer & EFER_LMA) !== 0) raiseUD(c);
  const sel = c.sysenterCs & 0xfffc;
  if (!c.protectedMode || sel === 0) raiseGP(c, 0);
  materializeFlags(c);
  c.flags &= ~(VM | IF | RF);
  loadFlat(c, CS, sel, CODE32);
  loadFlat(c, SS, sel + 8, DATA);
  setCpl(c, 0);
  c.gpr[RSP << 1] = c.sysenterEspLo;
  c.rip = c.sysenterEipLo >>> 0;
  c.updateMode();
  resetFetch(c);
}
function sysexit(c: Cpu): void {
  if ((c.efer & EFER_LMA) !== 0) raiseUD(c);
  const sel = c.sysenterCs & 0xfffc;
  if (!c.protectedMode || c.cpl !== 0 || sel === 0) raiseGP(c, 0);
  loadFlat(c, CS, (sel + 16) | 3, CODE32 | DPL3);
  loadFlat(c, SS, (sel + 24) | 3, DATA | DPL3);
  setCpl(c, 3);
  c.gpr[RSP << 1] = c.gpr[RCX << 1];
  c.rip = c.gpr[RDX << 1] >>> 0;
  c.updateMode();
  resetFetch(c);
}

export function registerSysMisc(): void {
  def(OP_0F | 0xa2, 'cpuid', {}, cpuid);
  def(OP_0F | 0x08, 'invd', {}, (c) => cacheOp(c, SvmExit.INVD));
  def(OP_0F | 0x09, 'wbinvd', {}, (c) => cacheOp(c, SvmExit.WBINVD));
  def(OP_0F | 0x0b, 'ud2', {}, raiseUD);
  def(OP_0F | 0xb9, 'ud1', { modrm: true }, raiseUD);
  def(OP_0F | 0xff, 'ud0', {}, raiseUD);
  def(OP_0F | 0xaa, 'rsm', {}, (c) => { checkIntercept(c, SvmExit.RSM); raiseUD(c); });
  def(OP_0F | 0x05, 'syscall', {}, syscall);
  def(OP_0F | 0x07, 'sysret', {}, sysret);
  def(OP_0F | 0x34, 'sysenter', {}, sysenter);
  def(OP_0F | 0x35, 'sysexit', {}, sysexit);
}
