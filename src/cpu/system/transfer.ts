// Shared pieces of privilege-changing control transfers (far CALL through gates, IRET,
// interrupt delivery): a snapshot of CS, SS, RSP, CPL and RIP to roll back to when a
// push on the new stack faults, so the faulting instruction can restart (APM Vol.2 8.2).
import type { Cpu } from '../cpu';
import { refreshSegment, setCpl, resetFetch, readSys } from '../mmu';
import { raise } from '../exceptions';
import { ATTR_P, CS, RSP, SS, TS } from '../regs';

const segSave = new Int32Array(10);
let rspLo = 0, rspHi = 0, cpl = 0, rip = 0;

export function snapshot(c: Cpu): void {
  for (let i = 0; i < 2; i++) {
    const s = i === 0 ? CS : SS;
    segSave[i * 5] = c.segSel[s];
    segSave[i * 5 + 1] = c.segBaseLo[s];
    segSave[i * 5 + 2] = c.segBaseHi[s];
    segSave[i * 5 + 3] = c.segLimit[s];
    segSave[i * 5 + 4] = c.segAttr[s];
  }
  rspLo = c.gpr[RSP << 1]; rspHi = c.gpr[(RSP << 1) | 1];
  cpl = c.cpl; rip = c.rip;
}
export function rollback(c: Cpu): void {
  for (let i = 0; i < 2; i++) {
    const s = i === 0 ? CS : SS;
    c.segSel[s] = segSave[i * 5];
    c.segBaseLo[s] = segSave[i * 5 + 1];
    c.segBaseHi[s] = segSave[i * 5 + 2];
    c.segLimit[s] = segSave[i * 5 + 3];
    c.segAttr[s] = segSave[i * 5 + 4];
    refreshSegment(c, s);
  }
  c.gpr[RSP << 1] = rspLo; c.gpr[(RSP << 1) | 1] = rspHi;
  setCpl(c, cpl);
  c.rip = rip;
  c.updateMode();
  resetFetch(c);
}

/** Is the TSS in TR a 32/64-bit one (type 9/B), not a 286 TSS? */
export function tss32(c: Cpu): boolean {
  return (c.trAttr & 8) !== 0;
}
/** Read `size` bytes at TSS offset `off`; beyond the TSS limit: #TS(TR). */
export function readTss(c: Cpu, off: number, size: 2 | 4): number {
  if ((c.trAttr & ATTR_P) === 0 || off + size - 1 > c.trLimit >>> 0) raise(c, TS, c.trSel & 0xfffc, true);
  const a = (c.trBaseLo >>> 0) + off;
  return readSys(c, a | 0, a > 0xffffffff ? (c.trBaseHi + 1) | 0 : c.trBaseHi, size);
}
/** 64-bit TSS RSPn / ISTn (long mode): low half returned, high half in tssHi (a non-canonical value faults at the push: #SS). */
export let tssHi = 0;
export function readTss64(c: Cpu, off: number): number {
  const lo = readTss(c, off, 4);
  tssHi = readTss(c, off + 4, 4);
  return lo;
}
