// MMX differential tests vs the host: every packed op (register and memory forms),
// shifts by register/immediate, MOVD/MOVQ, SSE MMX extensions; results land in the x87
// register file (compared bit for bit through FXSAVE, incl. TOP/tags) and memory.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { X87Case, assembleAll, fxWithCw, makeRng, runX87 } from './x87-harness';

const OPS = ['punpcklbw', 'punpcklwd', 'punpckldq', 'packsswb', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'packuswb',
  'punpckhbw', 'punpckhwd', 'punpckhdq', 'packssdw', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'psrlw', 'psrld', 'psrlq',
  'paddq', 'pmullw', 'psubusb', 'psubusw', 'pminub', 'pand', 'paddusb', 'paddusw', 'pmaxub', 'pandn', 'pavgb',
  'psraw', 'psrad', 'pavgw', 'pmulhuw', 'pmulhw', 'psubsb', 'psubsw', 'pminsw', 'por', 'paddsb', 'paddsw', 'pmaxsw',
  'pxor', 'psllw', 'pslld', 'psllq', 'pmuludq', 'pmaddwd', 'psadbw', 'psubb', 'psubw', 'psubd', 'psubq', 'paddb',
  'paddw', 'paddd'];
const PRE = 'mov rbx, 0x10000000\nmovq mm0, [rbx]\nmovq mm3, [rbx+8]\n';
const SNIPS: string[] = [];
for (const op of OPS) {
  SNIPS.push(`${op} mm0, mm3\nmovq [rbx+32], mm0`);
  SNIPS.push(`${op} mm3, [rbx]\nmovq [rbx+32], mm3`);
}
for (const op of ['psrlw', 'psraw', 'psllw', 'psrld', 'psrad', 'pslld', 'psrlq', 'psllq']) for (const n of [0, 1, 7, 15, 31, 33, 64]) SNIPS.push(`${op} mm0, ${n}`);
SNIPS.push('pshufw mm1, mm3, 0x1b', 'pshufw mm1, [rbx], 0xe4', 'pinsrw mm0, ecx, 2', 'pextrw eax, mm3, 3', 'pmovmskb eax, mm3',
  'movd eax, mm0\nmovq rcx, mm3', 'movd mm5, ecx\nmovq mm6, rdx', 'movntq [rbx+40], mm3', 'emms', 'movd [rbx+36], mm3',
  'fld qword [rbx]\nmovq mm2, mm0', 'mov rdi, rbx\nadd rdi, 48\nmaskmovq mm0, mm3');

test('MMX vs host', () => {
  const codes = assembleAll(SNIPS.map((s) => PRE + s));
  const rng = makeRng(77);
  const cases: X87Case[] = [];
  for (let t = 0; t < SNIPS.length; t++) {
    for (let i = 0; i < 40; i++) {
      const data = new Uint8Array(65536);
      for (let o = 0; o < 16; o++) data[o] = rng() % 8 === 0 ? [0, 0x7f, 0x80, 0xff][rng() % 4] : rng() & 0xff;
      const gpr = new Array<bigint>(16).fill(0n);
      gpr[1] = BigInt(rng()); gpr[2] = (BigInt(rng()) << 32n) | BigInt(rng());
      cases.push({ code: codes[t], data, fxsave: fxWithCw(0x37f), gpr, name: `${SNIPS[t].replace(/\n/g, '; ')} #${i}` });
    }
  }
  const bad = runX87(cases, { dataBytes: 64 });
  if (bad.length) console.log(`${bad.length} of ${cases.length} mismatches; first:\n${bad.slice(0, 20).join('\n')}`);
  assert.equal(bad.length, 0);
});
