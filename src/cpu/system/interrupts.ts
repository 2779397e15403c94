// Event delivery through the IDT (APM Vol.2 8.7-8.9): real-mode IVT, protected-mode
// interrupt/trap gates, long-mode 64-bit gates with IST. Owned by the system group.
import type { Cpu } from '../cpu';
import { raiseGP, raise } from '../exceptions';
import { readSys, writeSys, setCpl } from '../mmu';
import { readFlags, materializeFlags } from '../flags';
import { CS, SS, IF, TF, RF, NT, VM, RSP, GP, ATTR_P, ATTR_S } from '../regs';
import { loadSegmentRaw } from './segments';

/** Event kinds (EVENTINJ TYPE plus a software-exception distinction). */
export const EV_EXTERNAL = 0, EV_NMI = 2, EV_EXCEPTION = 3, EV_SOFT_INT = 4, EV_SOFT_EXC = 5;

const TWO32 = 0x100000000;

/**
 * Deliver `vector` now. c.rip must already hold the return address (the faulting
 * instruction for faults, the next one for traps and INTn).
 */
export function deliverEvent(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  if (!c.protectedMode) return deliverReal(c, vector);
  if ((c.efer & (1 << 10)) !== 0) return deliverLong(c, vector, kind, hasError, errorCode);
  return deliverProtected32(c, vector, kind, hasError, errorCode);
}

function idtError(vector: number, kind: number): number {
  return (vector << 3) | 2 | (kind === EV_EXTERNAL || kind === EV_NMI || kind === EV_EXCEPTION ? 1 : 0);
}

function deliverReal(c: Cpu, vector: number): void {
  if (vector * 4 + 3 > c.idtrLimit) raiseGP(c, 0);
  const base = c.idtrBaseLo;
  const ip = readSys(c, (base + vector * 4) | 0, 0, 2);
  const cs = readSys(c, (base + vector * 4 + 2) | 0, 0, 2);
  const f = readFlags(c);
  push16Real(c, f);
  push16Real(c, c.segSel[CS]);
  push16Real(c, c.rip);
  c.flags = f & ~(IF | TF | (1 << 18) | RF);
  c.lop = 0;
  loadSegmentRaw(c, CS, cs, cs << 4, 0xffff, c.segAttr[CS]);
  c.rip = ip;
}
function push16Real(c: Cpu, v: number): void {
  const sp = (c.gpr[RSP << 1] - 2) & 0xffff;
  writeSys(c, (c.segBaseLo[SS] + sp) | 0, 0, 2, v & 0xffff);
  c.gpr[RSP << 1] = (c.gpr[RSP << 1] & ~0xffff) | sp;
}

/** Reads the 8-byte descriptor at selector `sel` from the GDT/LDT; low dword returned, high in descHi. */
export let descHi = 0;
export function readDescriptor(c: Cpu, sel: number, errVector: number): number {
  const ti = (sel & 4) !== 0;
  const limit = ti ? c.ldtrLimit : c.gdtrLimit;
  const baseLo = ti ? c.ldtrBaseLo : c.gdtrBaseLo;
  const baseHi = ti ? c.ldtrBaseHi : c.gdtrBaseHi;
  const off = sel & ~7;
  if (off + 7 > limit >>> 0) raise(c, errVector, sel & ~3, true);
  const s = (baseLo >>> 0) + off;
  const hi = s > 0xffffffff ? (baseHi + 1) | 0 : baseHi;
  const lo = readSys(c, s | 0, hi, 4);
  descHi = readSys(c, (s + 4) | 0, hi, 4);
  return lo;
}

function deliverLong(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  const soft = kind === EV_SOFT_INT || kind === EV_SOFT_EXC;
  if (vector * 16 + 15 > c.idtrLimit >>> 0) raiseGP(c, idtError(vector, kind));
  const s = (c.idtrBaseLo >>> 0) + vector * 16;
  const bHi = s > 0xffffffff ? (c.idtrBaseHi + 1) | 0 : c.idtrBaseHi;
  const w0 = readSys(c, s | 0, bHi, 4), w1 = readSys(c, (s + 4) | 0, bHi, 4), w2 = readSys(c, (s + 8) | 0, bHi, 4);
  const type = (w1 >> 8) & 0xf;
  if (type !== 0xe && type !== 0xf) raiseGP(c, idtError(vector, kind));
  const dpl = (w1 >> 13) & 3;
  if (soft && dpl < c.cpl) raiseGP(c, idtError(vector, kind));
  if ((w1 & 0x8000) === 0) raise(c, 11, idtError(vector, kind), true);
  const sel = w0 >>> 16;
  const offLo = (w0 & 0xffff) | (w1 & 0xffff0000);
  const offHi = w2;
  const ist = w1 & 7;
  // Target code segment.
  if ((sel & ~3) === 0) raiseGP(c, 0);
  const dLo = readDescriptor(c, sel, GP), dHi = descHi;
  const dAttr = ((dHi >>> 8) & 0xff) | ((dHi >>> 12) & 0xf00);
  const dDpl = (dAttr >> 5) & 3;
  if ((dAttr & 0x18) !== 0x18 || (dAttr & (1 << 9)) === 0 || dDpl > c.cpl) raiseGP(c, sel & ~3);
  if ((dAttr & ATTR_P) === 0) raise(c, 11, sel & ~3, true);
  const newCpl = (dAttr & 4) !== 0 ? c.cpl : dDpl; // conforming keeps CPL
  // Stack: IST, or TSS.RSPn on a privilege change, else current.
  const oldSs = c.segSel[SS];
  const oldRspLo = c.gpr[RSP << 1], oldRspHi = c.gpr[(RSP << 1) | 1];
  let spLo = oldRspLo, spHi = oldRspHi;
  if (ist !== 0 || newCpl !== c.cpl) {
    const off = ist !== 0 ? 0x24 + 8 * (ist - 1) : 4 + 8 * newCpl;
    if (off + 7 > c.trLimit >>> 0) raise(c, 10, c.trSel & ~3, true);
    const t = (c.trBaseLo >>> 0) + off;
    const tHi = t > 0xffffffff ? (c.trBaseHi + 1) | 0 : c.trBaseHi;
    spLo = readSys(c, t | 0, tHi, 4);
    spHi = readSys(c, (t + 4) | 0, tHi, 4);
  }
  // Align to 16 bytes (APM Vol.2 8.9.3) and push the frame.
  spLo &= ~15;
  const f = readFlags(c);
  const ripLo = c.rip | 0, ripHi = Math.floor(c.rip / TWO32) | 0;
  const frame = [oldSs, 0, oldRspLo, oldRspHi, f, 0, c.segSel[CS], 0, ripLo, ripHi];
  if (hasError) frame.push(errorCode, 0);
  let n = frame.length / 2;
  for (let i = 0; i < frame.length; i += 2) {
    n--;
    const a = (spLo >>> 0) - 8 * (frame.length / 2 - i / 2);
    const aHi = a < 0 ? (spHi - 1) | 0 : spHi;
    writeSys(c, a | 0, aHi, 4, frame[i]);
    writeSys(c, (a + 4) | 0, (a + 4) < 0 ? (spHi - 1) | 0 : spHi, 4, frame[i + 1]);
  }
  void n;
  const total = frame.length * 4;
  const ns = (spLo >>> 0) - total;
  c.gpr[RSP << 1] = ns | 0;
  c.gpr[(RSP << 1) | 1] = ns < 0 ? (spHi - 1) | 0 : spHi;
  if (newCpl !== c.cpl) {
    // New SS is the null selector with RPL = new CPL (APM Vol.2 8.9.3).
    loadSegmentRaw(c, SS, newCpl, 0, 0xffffffff, 0x1093 | (newCpl << 5) | ATTR_S);
  }
  materializeFlags(c);
  c.flags &= ~(TF | NT | RF | VM | (type === 0xe ? IF : 0));
  loadSegmentRaw(c, CS, (sel & ~3) | newCpl, dLo >>> 16 | ((dHi & 0xff) << 16) | (dHi & 0xff000000), 0xffffffff, dAttr);
  setCpl(c, newCpl);
  c.rip = offHi * TWO32 + (offLo >>> 0);
  c.updateMode();
}

function deliverProtected32(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  void hasError; void errorCode;
  // Legacy protected-mode gates: completed by the system group.
  raiseGP(c, idtError(vector, kind));
}
