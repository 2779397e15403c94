// Differential tests of the misc integer group (MOVZX/MOVSX, CMOVcc, SETcc, BSWAP, XADD,
// CMPXCHG*, CBW..CQO, LAHF/SAHF, flag instructions, XLAT, PUSH imm, POP Ev, ENTER/LEAVE,
// LOOPcc, JrCXZ) against the host CPU.
import test = require('node:test');
import assert = require('node:assert/strict');
import { assemble64 } from '../native/assemble';
import { runDiff, makeRng, randomGprs, randomFlags, edgeRandom64, type DiffCase } from './diff';

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const RSI = 6, RBX = 3, RBP = 5, RCX = 1;

/** Forms with a per-form operand tweak. */
interface Form { asm: string; n: number; prep?: (g: bigint[], rng: () => number) => void }
const F: Form[] = [];
const add = (asm: string, n = 60, prep?: Form['prep']) => F.push({ asm, n, prep });

for (const f of ['movzx eax, bl', 'movzx rax, cl', 'movzx ax, dl', 'movzx esi, ah', 'movzx r9d, word [rsi]', 'movzx rcx, byte [rsi+1]',
  'movzx r10, r11w', 'movsx rax, cl', 'movsx ecx, word [rsi+2]', 'movsx dx, byte [rsi]', 'movsx r8, r9w', 'movsx edi, bh', 'movsx r12d, r13b']) add(f);
for (const cc of CC) {
  add(`cmov${cc} rax, rbx`); add(`cmov${cc} ecx, edx`); add(`cmov${cc} si, di`); add(`cmov${cc} r9d, [rsi+4]`);
  add(`set${cc} al`); add(`set${cc} byte [rsi]`); add(`set${cc} r10b`); add(`set${cc} ah`);
}
for (const f of ['bswap eax', 'bswap rax', 'bswap r10', 'bswap r11d', 'bswap edi']) add(f);
for (const f of ['xadd al, bl', 'xadd ax, cx', 'xadd eax, edx', 'xadd rax, r9', 'xadd eax, eax', 'xadd [rsi], bh', 'xadd [rsi+2], cx',
  'xadd [rsi], ecx', 'xadd [rsi], r12', 'lock xadd [rsi+8], rdx']) add(f);
for (const f of ['cmpxchg bl, cl', 'cmpxchg dx, cx', 'cmpxchg ebx, ecx', 'cmpxchg rbx, rcx', 'cmpxchg [rsi], cl', 'cmpxchg [rsi], cx',
  'cmpxchg [rsi], ecx', 'cmpxchg [rsi], rcx', 'cmpxchg eax, ecx', 'cmpxchg al, ah']) {
  add(f);
  const dst = f.split(' ')[1].replace(',', '');
  if (!dst.startsWith('[')) add(`mov rax, r${dst === 'bl' || dst === 'ebx' ? 'bx' : dst === 'dx' ? 'dx' : 'ax'}\n${f}`);
  else add(`mov rax, [rsi]\n${f}`);
}
add('cmpxchg8b [rsi]', 100); add('mov eax, [rsi]\nmov edx, [rsi+4]\ncmpxchg8b [rsi]', 100); add('lock cmpxchg8b [rsi+8]', 50);
const align16 = (g: bigint[]) => { g[RSI] &= ~15n; };
add('cmpxchg16b [rsi]', 100, align16); add('mov rax, [rsi]\nmov rdx, [rsi+8]\ncmpxchg16b [rsi]', 100, align16);
add('cmpxchg16b [rsi+8]', 20, align16); // #GP: misaligned
for (const f of ['cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', 'lahf', 'sahf', 'clc', 'stc', 'cmc', 'cld', 'std\nmov rax, 1\ncld', 'sahf\nlahf',
  'stc\ncmc\nlahf', 'db 0x48\nlahf', 'db 0x41\nsahf']) add(f, 100);
const rbxData = (g: bigint[], rng: () => number) => { g[RBX] = 0x10000100n + BigInt(Math.floor(rng() * 0x800)); };
add('xlatb', 200, rbxData); add('a32 xlatb', 100, (g, r) => { rbxData(g, r); g[RBX] |= 0xabcd00000000n; });
for (const f of ['push 0x12345678\npop rax', 'push -5\npop rcx', 'push 0x7f\npop rdx', 'push word 0x8234\npop dx', 'push word -3\npop r9w',
  'push qword 0x80000000\npop rbx', 'pop qword [rsi]', 'pop qword [rsp]', 'pop qword [rsp+8]', 'pop qword [rsp-8]\nmov rax, [rsp-16]',
  'pop word [rsi+1]', 'db 0x8f, 0xc0', 'db 0x8f, 0xc4', 'db 0x66, 0x8f, 0xc3', 'db 0x8f, 0x44, 0x24, 0xf8', 'db 0x8f, 0x04, 0x24', 'db 0x41, 0x8f, 0x04, 0x24']) add(f, 60, (g) => { g[12] = g[RSI]; });
const rbpData = (g: bigint[]) => { g[RBP] = 0x10009000n; };
for (const f of ['enter 16, 0\nmov rax, rsp\nmov rcx, rbp\nleave', 'enter 32, 1\nmov rax, rsp\nmov rcx, rbp\nleave', 'enter 8, 3\nmov rax, [rsp]\nmov rdx, [rsp+8]\nmov rcx, rbp\nleave',
  'enter 0x100, 31\nmov rax, rsp\nmov rdx, [rsp+0x100]\nleave', 'enter 4, 33\nmov rax, rsp\nleave', 'o16 enter 6, 2\nmov rax, rsp\nmov rcx, rbp\no16 leave\nmov rdx, rbp',
  'enter 0, 0\nleave', 'mov rbp, rsp\nsub rsp, 64\nleave', 'o16 leave']) add(f, 60, rbpData);
const smallRcx = (g: bigint[], rng: () => number, a32: boolean) => {
  g[RCX] = BigInt(1 + Math.floor(rng() * 40)) | (a32 && rng() < 0.5 ? 0xabc00000000n : 0n);
};
for (const f of ['.l: inc rax\nloop .l', '.l: add rax, 3\na32 loop .l', '.l: inc rdx\ncmp rdx, rbx\nloope .l', '.l: inc rdx\ncmp dl, 5\nloopne .l',
  'jrcxz .t\nmov rdx, 1\n.t:', 'jecxz .t\nmov rdx, 1\n.t:', 'dec rcx\njrcxz .t\nmov rdx, 1\n.t:', 'a32 loopne .t\nmov rdx, 1\n.t:']) {
  add(f, 100, (g, r) => { smallRcx(g, r, /a32|jecxz/.test(f)); g[2] = BigInt(Math.floor(r() * 8)); g[RBX] = g[2] + BigInt(Math.floor(r() * 3)); });
}

/** A few data images: edge values and random bits at 0x100-0x1200 (shared by the cases). */
function dataPool(rng: () => number): Uint8Array[] {
  const pool: Uint8Array[] = [];
  for (let p = 0; p < 16; p++) {
    const data = new Uint8Array(65536);
    for (let j = 0x100; j < 0x1200; j += 8) {
      const v = edgeRandom64(rng);
      for (let b = 0; b < 8; b++) data[j + b] = Number((v >> BigInt(8 * b)) & 0xffn);
    }
    pool.push(data);
  }
  return pool;
}

test('misc integer instructions match the host CPU', (t) => {
  const codes = assemble64(F.map((f) => f.asm));
  const rng = makeRng(4321);
  const cases: DiffCase[] = [];
  const pool = dataPool(rng);
  for (let i = 0; i < F.length; i++) {
    for (let k = 0; k < F[i].n; k++) {
      const gpr = randomGprs(rng);
      gpr[RSI] = 0x10000100n + BigInt(Math.floor(rng() * 0x1000));
      F[i].prep?.(gpr, rng);
      cases.push({ code: codes[i], gpr, rflags: randomFlags(rng), data: pool[k % pool.length], label: F[i].asm });
    }
  }
  const r = runDiff(cases);
  t.diagnostic(`${r.total} cases`);
  assert.ok(r.total > 10000, `only ${r.total} cases`);
  assert.deepEqual(r.mismatches, []);
});
