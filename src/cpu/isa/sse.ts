// SSE, SSE2, SSE3, SSSE3 opcode registration (APM Vol.3 Appendix A, Tables A-4..A-7).
// One opcode index covers every mandatory-prefix form (none / 66 / F3 / F2); the
// handler picks the form from c.simdPrefix. Opcodes shared with MMX (no prefix =
// MMX registers) go to mmxOp.
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';
import { def, IMM_B, IMM_NONE, OP_0F, OP_0F38, OP_0F3A } from './table';
import { addsub, cmpps, comis, hadd, logic, pd, ps, rcpPs, sd, ss, L_AND, L_ANDN, L_OR, L_XOR } from './sse-fparith';
import { OP_ADD, OP_DIV, OP_MAX, OP_MIN, OP_MUL, OP_SQRT, OP_SUB } from './sse-float';
import { cvt2A, cvt2C, cvt5A, cvt5B, cvtE6 } from './sse-cvt';
import {
  lddqu, maskmovdqu, movDup, movHalfLoad, movHalfStore, movLoad, movmsk, movnt, movnti, movq2dq, movqLoad, movqStore,
  movssLoad, movssStore, movStore, movdFromXmm, movdToXmm, pextrw, pinsrw, pmovmskb,
} from './sse-move';
import { pint } from './sse-int';
import { pack, pshiftI, pshiftX, pshuf, punpck, shufp, unpckp } from './sse-shuf';
import { palignr, ssse3 } from './sse-ssse3';
import { mmxOp } from './mmx-dispatch';


type H = ((c: Cpu) => void) | null;
const ud: (c: Cpu) => void = (c) => raiseUD(c);

/** Register `op` with per-prefix handlers (null = #UD). */
function reg(op: number, name: string, imm: number, h0: H, h66: H, hF3: H, hF2: H): void {
  const a = h0 ?? ud, b = h66 ?? ud, e = hF3 ?? ud, f = hF2 ?? ud;
  def(op, name, { modrm: true, imm }, (c) => {
    const p = c.simdPrefix;
    if (p === 0) a(c); else if (p === 0x66) b(c); else if (p === 0xf3) e(c); else f(c);
  });
}
/** Packed/scalar FP arithmetic opcode: PS, PD, SS, SD. */
function arith(op: number, name: string, kind: number): void {
  reg(OP_0F | op, name, IMM_NONE, (c) => ps(c, kind), (c) => pd(c, kind), (c) => ss(c, kind), (c) => sd(c, kind));
}
/** MMX-shared integer opcode: no prefix -> MMX, 66 -> `h`. */
function mmx66(op: number, name: string, h: (c: Cpu) => void, imm = IMM_NONE): void {
  reg(op, name, imm, mmxOp, h, null, null);
}

export function registerSse(): void {
  const N = IMM_NONE;
  // Moves (0F 10-17, 28, 29, 2B).
  reg(OP_0F | 0x10, 'movupsVWsd', N, (c) => movLoad(c, false), (c) => movLoad(c, false), (c) => movssLoad(c, false), (c) => movssLoad(c, true));
  reg(OP_0F | 0x11, 'movupsWVsd', N, (c) => movStore(c, false), (c) => movStore(c, false), (c) => movssStore(c, false), (c) => movssStore(c, true));
  reg(OP_0F | 0x12, 'movlpsVMq', N, (c) => movHalfLoad(c, 0), (c) => movHalfLoad(c, 0), (c) => movDup(c, 0), (c) => movDup(c, 2));
  reg(OP_0F | 0x13, 'movlpsMqV', N, (c) => movHalfStore(c, 0), (c) => movHalfStore(c, 0), null, null);
  reg(OP_0F | 0x14, 'unpcklpsVW', N, (c) => unpckp(c, 0), (c) => unpckp(c, 0), null, null);
  reg(OP_0F | 0x15, 'unpckhpsVW', N, (c) => unpckp(c, 2), (c) => unpckp(c, 2), null, null);
  reg(OP_0F | 0x16, 'movhpsVMq', N, (c) => movHalfLoad(c, 2), (c) => movHalfLoad(c, 2), (c) => movDup(c, 1), null);
  reg(OP_0F | 0x17, 'movhpsMqV', N, (c) => movHalfStore(c, 2), (c) => movHalfStore(c, 2), null, null);
  reg(OP_0F | 0x28, 'movapsVW', N, (c) => movLoad(c, true), (c) => movLoad(c, true), null, null);
  reg(OP_0F | 0x29, 'movapsWV', N, (c) => movStore(c, true), (c) => movStore(c, true), null, null);
  reg(OP_0F | 0x2b, 'movntpsMV', N, movnt, movnt, null, null);
  // Conversions and compares.
  reg(OP_0F | 0x2a, 'cvtpi2psVQ', N, cvt2A, cvt2A, cvt2A, cvt2A);
  reg(OP_0F | 0x2c, 'cvttps2piPW', N, (c) => cvt2C(c, true), (c) => cvt2C(c, true), (c) => cvt2C(c, true), (c) => cvt2C(c, true));
  reg(OP_0F | 0x2d, 'cvtps2piPW', N, (c) => cvt2C(c, false), (c) => cvt2C(c, false), (c) => cvt2C(c, false), (c) => cvt2C(c, false));
  reg(OP_0F | 0x2e, 'ucomissVW', N, (c) => comis(c, false), (c) => comis(c, false), null, null);
  reg(OP_0F | 0x2f, 'comissVW', N, (c) => comis(c, true), (c) => comis(c, true), null, null);
  reg(OP_0F | 0x50, 'movmskpsGU', N, movmsk, movmsk, null, null);
  arith(0x51, 'sqrtpsVW', OP_SQRT);
  reg(OP_0F | 0x52, 'rsqrtpsVW', N, (c) => rcpPs(c, true, false), null, (c) => rcpPs(c, true, true), null);
  reg(OP_0F | 0x53, 'rcppsVW', N, (c) => rcpPs(c, false, false), null, (c) => rcpPs(c, false, true), null);
  reg(OP_0F | 0x54, 'andpsVW', N, (c) => logic(c, L_AND), (c) => logic(c, L_AND), null, null);
  reg(OP_0F | 0x55, 'andnpsVW', N, (c) => logic(c, L_ANDN), (c) => logic(c, L_ANDN), null, null);
  reg(OP_0F | 0x56, 'orpsVW', N, (c) => logic(c, L_OR), (c) => logic(c, L_OR), null, null);
  reg(OP_0F | 0x57, 'xorpsVW', N, (c) => logic(c, L_XOR), (c) => logic(c, L_XOR), null, null);
  arith(0x58, 'addpsVW', OP_ADD);
  arith(0x59, 'mulpsVW', OP_MUL);
  reg(OP_0F | 0x5a, 'cvtps2pdVW', N, cvt5A, cvt5A, cvt5A, cvt5A);
  reg(OP_0F | 0x5b, 'cvtdq2psVW', N, cvt5B, cvt5B, cvt5B, null);
  arith(0x5c, 'subpsVW', OP_SUB);
  arith(0x5d, 'minpsVW', OP_MIN);
  arith(0x5e, 'divpsVW', OP_DIV);
  arith(0x5f, 'maxpsVW', OP_MAX);
  // Integer unpack/pack/compare (0F 60-76), MMX-shared.
  const sizes = [1, 2, 4];
  for (let i = 0; i < 3; i++) {
    const s = sizes[i];
    mmx66(OP_0F | (0x60 + i), 'punpcklVW', (c) => punpck(c, s, 0));
    mmx66(OP_0F | (0x68 + i), 'punpckhVW', (c) => punpck(c, s, 8));
  }
  mmx66(OP_0F | 0x63, 'packsswbVW', pack);
  mmx66(OP_0F | 0x67, 'packuswbVW', pack);
  mmx66(OP_0F | 0x6b, 'packssdwVW', pack);
  for (const op of [0x64, 0x65, 0x66, 0x74, 0x75, 0x76]) mmx66(OP_0F | op, 'pcmpVW', pint);
  reg(OP_0F | 0x6c, 'punpcklqdqVW', N, null, (c) => punpck(c, 8, 0), null, null);
  reg(OP_0F | 0x6d, 'punpckhqdqVW', N, null, (c) => punpck(c, 8, 8), null, null);
  mmx66(OP_0F | 0x6e, 'movdVEy', movdToXmm);
  reg(OP_0F | 0x6f, 'movdqaVW', N, mmxOp, (c) => movLoad(c, true), (c) => movLoad(c, false), null);
  reg(OP_0F | 0x70, 'pshufdVWIb', IMM_B, mmxOp, pshuf, pshuf, pshuf);
  for (const op of [0x71, 0x72, 0x73]) mmx66(OP_0F | op, 'pshiftUIb', pshiftI, IMM_B);
  reg(OP_0F | 0x7c, 'haddpdVW', N, null, (c) => hadd(c, OP_ADD), null, (c) => hadd(c, OP_ADD));
  reg(OP_0F | 0x7d, 'hsubpdVW', N, null, (c) => hadd(c, OP_SUB), null, (c) => hadd(c, OP_SUB));
  reg(OP_0F | 0x7e, 'movdEyV', N, mmxOp, movdFromXmm, movqLoad, null);
  reg(OP_0F | 0x7f, 'movdqaWV', N, mmxOp, (c) => movStore(c, true), (c) => movStore(c, false), null);
  // 0F C2-C6.
  reg(OP_0F | 0xc2, 'cmppsVWIb', IMM_B, cmpps, cmpps, cmpps, cmpps);
  reg(OP_0F | 0xc3, 'movntiMyGy', N, movnti, ud, ud, ud);
  mmx66(OP_0F | 0xc4, 'pinsrwVEwIb', pinsrw, IMM_B);
  mmx66(OP_0F | 0xc5, 'pextrwGUIb', pextrw, IMM_B);
  reg(OP_0F | 0xc6, 'shufpsVWIb', IMM_B, shufp, shufp, null, null);
  // 0F D0-FE.
  reg(OP_0F | 0xd0, 'addsubpdVW', N, null, addsub, null, addsub);
  reg(OP_0F | 0xd6, 'movqWV', N, null, movqStore, (c) => movq2dq(c, true), (c) => movq2dq(c, false));
  mmx66(OP_0F | 0xd7, 'pmovmskbGU', pmovmskb);
  reg(OP_0F | 0xe6, 'cvtpd2dqVW', N, null, cvtE6, cvtE6, cvtE6);
  mmx66(OP_0F | 0xe7, 'movntdqMV', movnt);
  reg(OP_0F | 0xf0, 'lddquVM', N, null, null, null, lddqu);
  mmx66(OP_0F | 0xf7, 'maskmovdquVU', maskmovdqu);
  for (let op = 0xd1; op <= 0xfe; op++) {
    if (op === 0xd6 || op === 0xd7 || op === 0xe6 || op === 0xe7 || op === 0xf0 || op === 0xf7) continue;
    const isShift = (op >= 0xd1 && op <= 0xd3) || op === 0xe1 || op === 0xe2 || (op >= 0xf1 && op <= 0xf3);
    let h: (c: Cpu) => void = pint;
    if (isShift) h = pshiftX;
    else if (op === 0xdb) h = (c) => logic(c, L_AND);
    else if (op === 0xdf) h = (c) => logic(c, L_ANDN);
    else if (op === 0xeb) h = (c) => logic(c, L_OR);
    else if (op === 0xef) h = (c) => logic(c, L_XOR);
    mmx66(OP_0F | op, 'pintVW', h);
  }
  // SSSE3.
  for (let op = 0; op <= 0x0b; op++) mmx66(OP_0F38 | op, 'ssse3VW', ssse3);
  for (let op = 0x1c; op <= 0x1e; op++) mmx66(OP_0F38 | op, 'pabsVW', ssse3);
  mmx66(OP_0F3A | 0x0f, 'palignrVWIb', palignr, IMM_B);
}
