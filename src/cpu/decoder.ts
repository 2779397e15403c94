// Instruction decode (APM Vol.3 1.1-1.8): legacy prefixes, REX, opcode, ModRM, SIB,
// displacement, immediate; then the handler from the ISA table runs. The effective
// address is formed here, so handlers see operands, not encodings.
import type { Cpu } from './cpu';
import { fetch8 } from './mmu';
import { raiseGP, raiseUD } from './exceptions';
import {
  D_DEF64, D_IMM_SHIFT, D_INV64, D_MODRM, DECODE, HANDLERS,
  IMM_B, IMM_GRP3_B, IMM_GRP3_Z, IMM_MOFFS, IMM_NONE, IMM_P, IMM_V, IMM_W, IMM_WB, IMM_Z, OP_0F, OP_0F38, OP_0F3A,
} from './isa/table';
import { DS, SS } from './regs';
import { DC_MASK, EA_16, EA_32, EA_NONE, EA_RIPREL, type DecodeCache } from './decode-cache';

function fetch16(c: Cpu): number {
  return fetch8(c) | (fetch8(c) << 8);
}
function fetch32(c: Cpu): number {
  return fetch8(c) | (fetch8(c) << 8) | (fetch8(c) << 16) | (fetch8(c) << 24);
}

/** Decode (or take from the decode cache) and execute the instruction at c.rip. */
export function step(c: Cpu): void {
  const start = c.rip;
  c.instrStart = start;
  let hpa = -1;
  if (start >= c.fetchRipLo && start < c.fetchRipEnd) {
    hpa = c.fetchHpa + (start - c.fetchRipLo);
    const dc = c.dcache;
    const i = hpa & DC_MASK;
    if (dc.tag[i] === hpa * 4 + c.modeKey + 1) {
      executeCached(c, dc, i, start);
      return;
    }
  }
  decodeAndExecute(c, start, hpa);
}

function executeCached(c: Cpu, dc: DecodeCache, i: number, start: number): void {
  const b = dc.bits[i], b2 = dc.bits2[i];
  const next = start + dc.len[i];
  c.nextRip = next;
  c.opSize = b & 15;
  c.adSize = (b >> 4) & 15;
  c.lock = (b & 0x100) !== 0;
  c.segOverride = ((b >> 9) & 7) - 1;
  c.rex = (b >> 12) & 0xff;
  c.mod = (b >> 22) & 3;
  c.modrm = (b >>> 24) & 0xff;
  c.repPrefix = b2 & 0xff;
  c.simdPrefix = (b2 >> 8) & 0xff;
  c.regG = (b2 >> 16) & 15;
  c.regE = (b2 >> 20) & 15;
  const op = dc.op[i];
  c.opcode = op;
  c.immLo = dc.immLo[i];
  c.immHi = dc.immHi[i];
  c.imm2 = dc.imm2[i];
  const kind = (b >> 20) & 3;
  if (kind !== EA_NONE) {
    const b3 = dc.bits3[i];
    c.eaSeg = (b3 >> 12) & 7;
    const base = ((b2 >> 24) & 31) - 2;
    c.eaBase = base;
    if (kind === EA_32) computeEA32(c, base, (b3 & 0xff) - 1, (b3 >> 8) & 3, dc.disp[i]);
    else if (kind === EA_16) computeEA16(c, base, dc.disp[i]);
    else {
      const s = next + dc.disp[i];
      c.eaLo = s | 0;
      c.eaHi = c.adSize === 8 ? Math.floor(s / 0x100000000) | 0 : 0;
    }
  }
  dc.hits++;
  c.rip = next;
  HANDLERS[op](c);
}

function decodeAndExecute(c: Cpu, start: number, hpa: number): void {
  const windowLo = c.fetchRipLo;
  const op = decodeInstr(c, start);
  if (hpa >= 0 && c.fetchRipLo === windowLo && c.nextRip <= c.fetchRipEnd) remember(c, hpa, start, op);
  c.rip = c.nextRip;
  HANDLERS[op](c);
}

/**
 * Decode the instruction at `start` into the Cpu's decode fields (c.nextRip ends past it);
 * returns the opcode index. Raises #UD/#GP for invalid encodings, #PF on fetch.
 */
export function decodeInstr(c: Cpu, start: number): number {
  c.nextRip = start;
  c.eaKind = EA_NONE;
  let opPrefix = false, adPrefix = false;
  let rep = 0, simd = 0, seg = -1, rex = 0;
  c.lock = false;
  let b = fetch8(c);
  // Legacy prefixes in any order; REX only counts directly before the opcode.
  for (;;) {
    switch (b) {
      case 0x66: opPrefix = true; if (simd === 0) simd = 0x66; rex = 0; b = fetch8(c); continue;
      case 0x67: adPrefix = true; rex = 0; b = fetch8(c); continue;
      case 0xf2: case 0xf3: rep = b; simd = b; rex = 0; b = fetch8(c); continue;
      case 0xf0: c.lock = true; rex = 0; b = fetch8(c); continue;
      case 0x26: case 0x2e: case 0x36: case 0x3e: seg = (b >> 3) & 3; rex = 0; b = fetch8(c); continue;
      case 0x64: case 0x65: seg = b - 0x60; rex = 0; b = fetch8(c); continue;
    }
    if (c.mode64 && (b & 0xf0) === 0x40) {
      rex = b;
      b = fetch8(c);
      continue;
    }
    break;
  }
  let op = b;
  if (b === 0x0f) {
    op = fetch8(c);
    if (op === 0x38) op = OP_0F38 | fetch8(c);
    else if (op === 0x3a) op = OP_0F3A | fetch8(c);
    else op |= OP_0F;
  }
  const info = DECODE[op];
  if (c.mode64) {
    if ((info & D_INV64) !== 0) raiseUD(c);
    c.opSize = (rex & 8) !== 0 ? 8 : opPrefix ? 2 : (info & D_DEF64) !== 0 ? 8 : 4;
    c.adSize = adPrefix ? 4 : 8;
  } else {
    c.opSize = c.code32 !== opPrefix ? 4 : 2;
    c.adSize = c.code32 !== adPrefix ? 4 : 2;
  }
  c.rex = rex;
  c.repPrefix = rep;
  c.simdPrefix = simd;
  c.segOverride = seg;
  c.opcode = op;

  let ripRel = false;
  if ((info & D_MODRM) !== 0) {
    const m = fetch8(c);
    c.modrm = m;
    const mod = m >> 6;
    c.mod = mod;
    c.regG = ((m >> 3) & 7) | ((rex & 4) << 1);
    const rm = m & 7;
    if (mod === 3) {
      c.regE = rm | ((rex & 1) << 3);
    } else if (c.adSize === 2) {
      decodeEA16(c, mod, rm, seg);
    } else {
      ripRel = decodeEA32(c, mod, rm, seg, rex);
    }
  }
  const immKind = (info >> D_IMM_SHIFT) & 15;
  if (immKind !== IMM_NONE) decodeImm(c, immKind);
  if (ripRel) {
    c.eaKind = EA_RIPREL;
    // RIP-relative: disp32 from the end of the instruction (APM Vol.3 1.7.1).
    const s = c.nextRip + c.eaLo;
    if (c.adSize === 8) {
      c.eaLo = s | 0;
      c.eaHi = Math.floor(s / 0x100000000) | 0;
    } else {
      c.eaLo = s | 0;
      c.eaHi = 0;
    }
  }
  if (c.nextRip - start > 15) raiseGP(c, 0);
  return op;
}

/** Store the decoded instruction (it lies within one page of the fetch window). */
function remember(c: Cpu, hpa: number, start: number, op: number): void {
  const dc = c.dcache;
  const i = hpa & DC_MASK;
  dc.tag[i] = hpa * 4 + c.modeKey + 1;
  dc.op[i] = op;
  dc.len[i] = c.nextRip - start;
  const kind = c.eaKind;
  dc.bits[i] = c.opSize | (c.adSize << 4) | (c.lock ? 0x100 : 0) | ((c.segOverride + 1) << 9) | (c.rex << 12) |
    (kind << 20) | (c.mod << 22) | (c.modrm << 24);
  dc.bits2[i] = c.repPrefix | (c.simdPrefix << 8) | (c.regG << 16) | (c.regE << 20) | ((c.eaBase + 2) << 24);
  dc.bits3[i] = (c.eaIndex + 1) | (c.eaScale << 8) | (c.eaSeg << 12);
  dc.disp[i] = c.eaDisp;
  dc.immLo[i] = c.immLo;
  dc.immHi[i] = c.immHi;
  dc.imm2[i] = c.imm2;
  c.mem.codePage[hpa >>> 12] = 1;
}

function decodeImm(c: Cpu, kind: number): void {
  switch (kind) {
    case IMM_B: c.immLo = fetch8(c); break;
    case IMM_W: c.immLo = fetch16(c); break;
    case IMM_Z: c.immLo = c.opSize === 2 ? fetch16(c) : fetch32(c); c.immHi = c.immLo >> 31; break;
    case IMM_V:
      if (c.opSize === 8) { c.immLo = fetch32(c); c.immHi = fetch32(c); }
      else c.immLo = c.opSize === 2 ? fetch16(c) : fetch32(c);
      break;
    case IMM_WB: c.immLo = fetch16(c); c.imm2 = fetch8(c); break;
    case IMM_P: c.immLo = c.opSize === 2 ? fetch16(c) : fetch32(c); c.imm2 = fetch16(c); break;
    case IMM_MOFFS:
      if (c.adSize === 8) { c.immLo = fetch32(c); c.immHi = fetch32(c); }
      else { c.immLo = c.adSize === 2 ? fetch16(c) : fetch32(c); c.immHi = 0; }
      break;
    case IMM_GRP3_B: if ((c.modrm & 0x30) === 0) c.immLo = fetch8(c); break;
    case IMM_GRP3_Z:
      if ((c.modrm & 0x30) === 0) { c.immLo = c.opSize === 2 ? fetch16(c) : fetch32(c); c.immHi = c.immLo >> 31; }
      break;
  }
}

/** 16-bit addressing forms (APM Vol.3 Table A-33). */
function decodeEA16(c: Cpu, mod: number, rm: number, seg: number): void {
  let disp = 0;
  if (mod === 1) disp = (fetch8(c) << 24) >> 24;
  else if (mod === 2) disp = fetch16(c);
  else if (rm === 6) disp = fetch16(c);
  // Form 6 with mod 0 is disp16 alone: encoded as form 8 for computeEA16.
  const form = rm === 6 && mod === 0 ? 8 : rm;
  const defSeg = rm === 2 || rm === 3 || (rm === 6 && mod !== 0) ? SS : DS;
  c.eaSeg = seg >= 0 ? seg : defSeg;
  c.eaKind = EA_16; c.eaBase = form; c.eaDisp = disp;
  computeEA16(c, form, disp);
}

/** 16-bit effective address for a ModRM form (0-7, 8 = disp16 only). */
export function computeEA16(c: Cpu, form: number, disp: number): void {
  const g = c.gpr;
  let ea: number;
  switch (form) {
    case 0: ea = g[6] + g[12]; break; // BX+SI
    case 1: ea = g[6] + g[14]; break; // BX+DI
    case 2: ea = g[10] + g[12]; break; // BP+SI
    case 3: ea = g[10] + g[14]; break; // BP+DI
    case 4: ea = g[12]; break;
    case 5: ea = g[14]; break;
    case 6: ea = g[10]; break;
    case 7: ea = g[6]; break;
    default: ea = 0; break;
  }
  c.eaLo = (ea + disp) & 0xffff;
  c.eaHi = 0;
}

/** 32/64-bit addressing with SIB (APM Vol.3 1.4). Returns true for RIP-relative. */
function decodeEA32(c: Cpu, mod: number, rm: number, seg: number, rex: number): boolean {
  let defSeg = DS;
  let base = -1, index = -1, scale = 0;
  let ripRel = false;
  if (rm === 4) {
    const sib = fetch8(c);
    scale = sib >> 6;
    index = ((sib >> 3) & 7) | ((rex & 2) << 2);
    if (index === 4) index = -1;
    const b = sib & 7;
    if (b === 5 && mod === 0) base = -2; // disp32, no base
    else base = b | ((rex & 1) << 3);
  } else if (rm === 5 && mod === 0) {
    if (c.mode64) ripRel = true;
    else base = -2;
  } else {
    base = rm | ((rex & 1) << 3);
  }
  let disp = 0;
  if (mod === 1) disp = (fetch8(c) << 24) >> 24;
  else if (mod === 2 || base === -2 || ripRel) disp = fetch32(c);
  if (ripRel) {
    c.eaLo = disp; // completed after the immediate
    c.eaDisp = disp;
    c.eaBase = -1;
    c.eaSeg = seg >= 0 ? seg : DS;
    return true;
  }
  if (base === 4 || base === 5) defSeg = SS;
  c.eaSeg = seg >= 0 ? seg : defSeg;
  c.eaKind = EA_32; c.eaBase = base; c.eaIndex = index; c.eaScale = scale; c.eaDisp = disp;
  computeEA32(c, base, index, scale, disp);
  return false;
}

/** base/index: register number, -1 none (-2 base = disp32 only). */
export function computeEA32(c: Cpu, base: number, index: number, scale: number, disp: number): void {
  const g = c.gpr;
  let lo = disp;
  let hi = disp >> 31;
  if (base >= 0) {
    const s = (lo >>> 0) + (g[base << 1] >>> 0);
    hi = (hi + g[(base << 1) | 1] + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s | 0;
  }
  if (index >= 0) {
    let iLo = g[index << 1], iHi = g[(index << 1) | 1];
    if (scale !== 0) {
      iHi = (iHi << scale) | (iLo >>> (32 - scale));
      iLo <<= scale;
    }
    const s = (lo >>> 0) + (iLo >>> 0);
    hi = (hi + iHi + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s | 0;
  }
  c.eaLo = lo;
  c.eaHi = c.adSize === 8 ? hi : 0;
}

export { fetch16, fetch32 };
