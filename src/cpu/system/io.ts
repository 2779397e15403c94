// Port I/O: IN, OUT, INS, OUTS (APM Vol.3; Vol.2 13.2 I/O permission). Protected mode
// with CPL > IOPL (or virtual-8086) consults the TSS I/O bitmap; then the SVM IOIO
// intercept (IOIO_PROT + IOPM, exit 7Bh, EXITINFO2 = next RIP). The CPU has no device
// bus: an access that is not intercepted reads all ones and drops writes.
import type { Cpu } from '../cpu';
import { raiseGP, vmexit } from '../exceptions';
import { readMem, writeMem } from '../mmu';
import { writeReg } from '../operands';
import { def, IMM_B } from '../isa/table';
import { ioAccessIntercepted } from '../svm/iopm';
import { DF, DS, IOPL, RAX, RCX, RDI, RDX, RSI } from '../regs';
import { readTss } from './transfer';
import { SvmExit } from '../svm/exit-codes';

const TWO32 = 0x100000000;

/** TSS I/O permission bitmap check (APM Vol.2 13.2.4): every byte's bit must be clear. */
function checkIoPermission(c: Cpu, port: number, size: number): void {
  if (!c.protectedMode || (!c.v86 && c.cpl <= (c.flags & IOPL) >>> 12)) return;
  if ((c.trAttr & 0xd) !== 9 || (c.trLimit >>> 0) < 0x67) raiseGP(c, 0);
  const base = readTss(c, 0x66, 2);
  const off = base + (port >>> 3);
  if (off + 1 > c.trLimit >>> 0) raiseGP(c, 0);
  const bits = readTss(c, off, 2);
  if ((bits & (((1 << size) - 1) << (port & 7))) !== 0) raiseGP(c, 0);
}

/** The IOIO intercept; EXITINFO1 per svm.md 6.1. `flags`: 1 IN, 4 string, 8 REP; `seg` for OUTS. */
function ioIntercept(c: Cpu, port: number, size: number, flags: number, seg: number): void {
  if (!c.guestMode || ((c.intercepts[3] >>> 27) & 1) === 0) return;
  if (!ioAccessIntercepted(c.mem, c.iopmHpa, port, size)) return;
  const info1 = (port << 16) | (seg << 10) | (c.adSize === 8 ? 1 << 9 : c.adSize === 4 ? 1 << 8 : 1 << 7) |
    (size === 4 ? 1 << 6 : size === 2 ? 1 << 5 : 1 << 4) | flags;
  const n = c.nextRip;
  vmexit(c, SvmExit.IOIO, info1, 0, n | 0, Math.floor(n / TWO32) | 0);
}

function ioSize(c: Cpu): number {
  return (c.opcode & 1) === 0 ? 1 : c.opSize === 2 ? 2 : 4;
}
function ones(size: number): number {
  return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
}

function inPort(c: Cpu, port: number): void {
  const size = ioSize(c);
  checkIoPermission(c, port, size);
  ioIntercept(c, port, size, 1, 0);
  writeReg(c, size, RAX, ones(size), 0);
}
function outPort(c: Cpu, port: number): void {
  const size = ioSize(c);
  checkIoPermission(c, port, size);
  ioIntercept(c, port, size, 0, 0);
}

/** Index register (rSI/rDI) stepped by `delta` within the address size. */
function stepIndex(c: Cpu, r: number, delta: number): void {
  const i = r << 1;
  if (c.adSize === 2) { c.gpr[i] = (c.gpr[i] & ~0xffff) | ((c.gpr[i] + delta) & 0xffff); return; }
  const s = (c.gpr[i] >>> 0) + delta;
  if (c.adSize === 8) c.gpr[i + 1] = (c.gpr[i + 1] + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) | 0;
  else c.gpr[i + 1] = 0;
  c.gpr[i] = s | 0;
}
function countIsZero(c: Cpu): boolean {
  const lo = c.gpr[RCX << 1];
  if (c.adSize === 2) return (lo & 0xffff) === 0;
  return lo === 0 && (c.adSize === 4 || c.gpr[(RCX << 1) | 1] === 0);
}
function decCount(c: Cpu): void {
  stepIndex(c, RCX, -1);
}

/** INS: ES:rDI <- port (all ones). OUTS: port <- seg:rSI (read for its faults). */
function stringIo(c: Cpu, isIn: boolean): void {
  const size = ioSize(c);
  const port = c.gpr[RDX << 1] & 0xffff;
  const rep = c.repPrefix !== 0;
  const seg = isIn ? 0 : c.segOverride >= 0 ? c.segOverride : DS;
  checkIoPermission(c, port, size);
  ioIntercept(c, port, size, (isIn ? 1 : 0) | 4 | (rep ? 8 : 0), seg);
  const delta = (c.flags & DF) !== 0 ? -size : size;
  const r = isIn ? RDI : RSI;
  for (let n = 0; ; n++) {
    if (n === 4096) { c.rip = c.instrStart; return; } // long REP: restart, letting events in
    if (rep && countIsZero(c)) return;
    const i = r << 1;
    const lo = c.adSize === 2 ? c.gpr[i] & 0xffff : c.gpr[i];
    const hi = c.adSize === 8 ? c.gpr[i + 1] : 0;
    if (isIn) writeMem(c, size, 0, lo, hi, ones(size), 0);
    else readMem(c, size, seg, lo, hi);
    stepIndex(c, r, delta);
    if (!rep) return;
    decCount(c);
  }
}

export function registerIo(): void {
  def(0xe4, 'inALIb', { imm: IMM_B }, (c) => inPort(c, c.immLo & 0xff));
  def(0xe5, 'inEAXIb', { imm: IMM_B }, (c) => inPort(c, c.immLo & 0xff));
  def(0xe6, 'outIbAL', { imm: IMM_B }, (c) => outPort(c, c.immLo & 0xff));
  def(0xe7, 'outIbEAX', { imm: IMM_B }, (c) => outPort(c, c.immLo & 0xff));
  def(0xec, 'inALDX', {}, (c) => inPort(c, c.gpr[RDX << 1] & 0xffff));
  def(0xed, 'inEAXDX', {}, (c) => inPort(c, c.gpr[RDX << 1] & 0xffff));
  def(0xee, 'outDXAL', {}, (c) => outPort(c, c.gpr[RDX << 1] & 0xffff));
  def(0xef, 'outDXEAX', {}, (c) => outPort(c, c.gpr[RDX << 1] & 0xffff));
  def(0x6c, 'insb', {}, (c) => stringIo(c, true));
  def(0x6d, 'insd', {}, (c) => stringIo(c, true));
  def(0x6e, 'outsb', {}, (c) => stringIo(c, false));
  def(0x6f, 'outsd', {}, (c) => stringIo(c, false));
}
