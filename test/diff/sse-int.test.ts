// Differential tests of SSE2/SSSE3 integer SIMD on XMM registers against the host CPU:
// arithmetic, saturation, multiplies, compares, shifts, shuffles, unpacks, packs.
import test = require('node:test');
import assert = require('node:assert/strict');
import { runSets, xmmForms } from './sse-gen';

const ARITH = [
  'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddsb', 'paddsw', 'paddusb', 'paddusw',
  'psubsb', 'psubsw', 'psubusb', 'psubusw', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'pavgb', 'pavgw',
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'psadbw', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  'pand', 'pandn', 'por', 'pxor',
];
const SHUF = [
  'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'punpckhqdq',
  'packsswb', 'packssdw', 'packuswb', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd',
];
const SSSE3 = [
  'pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw', 'psignd',
  'pmulhrsw', 'pabsb', 'pabsw', 'pabsd',
];

test('SSE2 integer arithmetic, compares and logic', () => {
  const r = runSets([{ forms: xmmForms(ARITH), kind: 'int', perForm: 25, seed: 101 }]);
  assert.deepEqual(r.mismatches, []);
});

test('unpacks, packs, SSSE3', () => {
  const r = runSets([{ forms: xmmForms([...SHUF, ...SSSE3]), kind: 'int', perForm: 25, seed: 102 }]);
  assert.deepEqual(r.mismatches, []);
});

test('shuffles with immediates: PSHUFD/HW/LW, SHUFPS/PD, PALIGNR', () => {
  const forms: string[] = [];
  for (const imm of [0, 0x1b, 0x4e, 0xe4, 0xff, 0x93, 0x39, 0xa5]) {
    for (const op of ['pshufd', 'pshufhw', 'pshuflw', 'shufps']) forms.push(`${op} xmm1, xmm2, ${imm}`, `${op} xmm10, [rsi+32], ${imm}`);
    forms.push(`shufpd xmm3, xmm4, ${imm & 3}`, `shufpd xmm3, [rsi], ${imm & 3}`);
  }
  for (const imm of [0, 1, 5, 8, 15, 16, 17, 24, 31, 32, 200]) forms.push(`palignr xmm1, xmm2, ${imm}`, `palignr xmm9, [rsi+16], ${imm}`);
  const r = runSets([{ forms, kind: 'int', perForm: 25, seed: 103 }]);
  assert.deepEqual(r.mismatches, []);
});

test('shifts by xmm and by immediate (incl. PSLLDQ/PSRLDQ)', () => {
  const forms: string[] = [];
  const ops = ['psrlw', 'psrld', 'psrlq', 'psraw', 'psrad', 'psllw', 'pslld', 'psllq'];
  for (const op of ops) {
    for (const imm of [0, 1, 7, 15, 16, 31, 32, 33, 63, 64, 255]) forms.push(`${op} xmm5, ${imm}`);
    forms.push(`${op} xmm1, xmm2`, `${op} xmm9, [rsi+16]`);
    // Small counts in the count register, too.
    forms.push(`mov eax, 5\nmovd xmm7, eax\n${op} xmm1, xmm7`, `mov eax, 40\nmovd xmm7, eax\n${op} xmm11, xmm7`);
  }
  for (const imm of [0, 1, 3, 8, 15, 16, 100]) forms.push(`pslldq xmm5, ${imm}`, `psrldq xmm13, ${imm}`);
  const r = runSets([{ forms, kind: 'int', perForm: 12, seed: 104 }]);
  assert.deepEqual(r.mismatches, []);
});
