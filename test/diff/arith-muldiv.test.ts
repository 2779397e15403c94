// Differential tests of group 3 (TEST NOT NEG MUL IMUL DIV IDIV) and IMUL Gv,Ev[,imm]
// against the host CPU, plus #DE on divide by zero / quotient overflow.
// Masked flags: after MUL/IMUL only CF and OF are defined (SF ZF AF PF masked);
// after DIV/IDIV every arithmetic flag is undefined (none compared).
import test = require('node:test');
import assert = require('node:assert/strict');
import { assemble64 } from '../native/assemble';
import { runDiffByOperand, makeRng, randomGprs, randomFlags, edgeRandom64, type DiffCase } from './diff';
import { Guest64 } from '../harness/guest64';

const CF = 0x1n, PF = 0x4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, OF = 0x800n;
const ALL = CF | PF | AF | ZF | SF | OF;
const RAX = 0, RDX = 2, RBX = 3, RSI = 6;
const MEM = 0x10000100n;

const SRC = ['bl', 'bh', 'r9b', 'byte [rsi]', 'bx', 'r11w', 'word [rsi+2]', 'ebx', 'r12d', 'dword [rsi+4]', 'rbx', 'r13', 'qword [rsi+8]'];
function pre(dst: string): string {
  const m = /\[rsi(\+\d+)?\]/.exec(dst);
  return m ? `mov [rsi${m[1] ?? ''}], rbx\n` : '';
}
function sizeOf(op: string): number {
  if (/byte|[abcd][lh]$|r\d+b$/.test(op)) return 1;
  if (/word \[|^[abcd]x$|r\d+w$/.test(op) && !/dword|qword/.test(op)) return 2;
  if (/dword|^e|r\d+d$/.test(op)) return 4;
  return 8;
}

function build(forms: string[], perForm: number, seed: number, tweak?: (g: bigint[], rng: () => number, form: string) => void): DiffCase[] {
  const codes = assemble64(forms);
  const rng = makeRng(seed);
  const cases: DiffCase[] = [];
  for (let i = 0; i < forms.length; i++) {
    for (let k = 0; k < perForm; k++) {
      const gpr = randomGprs(rng);
      gpr[RSI] = MEM;
      if (tweak) tweak(gpr, rng, forms[i]);
      cases.push({ code: codes[i], gpr, rflags: randomFlags(rng), label: forms[i] });
    }
  }
  return cases;
}

test('TEST/NOT/NEG (F6/F7) match the host', () => {
  const forms: string[] = [];
  for (const s of SRC) {
    forms.push(`${pre(s)}not ${s}`, `${pre(s)}neg ${s}`);
    const imm = sizeOf(s) === 1 ? '0x81' : sizeOf(s) === 2 ? '0x8001' : '-0x7ffffff0';
    forms.push(`${pre(s)}test ${s}, ${imm}`, `${pre(s)}test ${s}, 1`);
  }
  forms.push('db 0xf6, 0xcb, 0x5a', 'db 0x48, 0xf7, 0xcb, 0x01, 0x80, 0, 0'); // TEST as /1
  const r = runDiffByOperand(build(forms, 80, 21), ALL);
  assert.deepEqual(r.mismatches, []);
  assert.ok(r.total > 4000);
});

test('MUL/IMUL (one, two and three operands) match the host', () => {
  const forms: string[] = [];
  for (const s of SRC) forms.push(`${pre(s)}mul ${s}`, `${pre(s)}imul ${s}`);
  for (const [g, e] of [['cx', 'bx'], ['r8w', 'word [rsi+2]'], ['ecx', 'ebx'], ['r8d', 'dword [rsi+4]'], ['rcx', 'rbx'], ['r8', 'qword [rsi+8]']]) {
    forms.push(`${pre(e)}imul ${g}, ${e}`, `${pre(e)}imul ${g}, ${e}, 7`, `${pre(e)}imul ${g}, ${e}, -128`);
    forms.push(`${pre(e)}imul ${g}, ${e}, ${sizeOf(g) === 2 ? '0x7fff' : '0x12345678'}`, `${pre(e)}imul ${g}, ${e}, -3000`);
  }
  const r = runDiffByOperand(build(forms, 250, 22), CF | OF);
  assert.deepEqual(r.mismatches, []);
  assert.ok(r.total > 10000);
});

test('DIV/IDIV match the host, including #DE (divide by zero, overflow)', () => {
  const forms: string[] = [];
  for (const s of SRC) forms.push(`${pre(s)}div ${s}`, `${pre(s)}idiv ${s}`);
  // Mostly quotients that fit: make rDX small or a sign extension of rAX.
  const r = runDiffByOperand(build(forms, 300, 23, (g, rng, form) => {
    const size = sizeOf(form.split('\n').pop()!.replace(/^i?div /, ''));
    const p = rng();
    if (p < 0.45) g[RDX] = form.includes('idiv') ? ((g[RAX] >> 63n) & 1n ? ~0n & 0xffffffffffffffffn : 0n) : edgeRandom64(rng) & 0xffn;
    else if (p < 0.6) g[RBX] = 0n;
    else if (p < 0.75 && size === 8) { g[RAX] = 0n; g[RDX] = 0x8000000000000000n; g[RBX] = 0xffffffffffffffffn; }
    else if (p < 0.8) g[RBX] = (g[RBX] & ~0xffn) | 1n;
  }), 0n);
  assert.deepEqual(r.mismatches, []);
  assert.ok(r.total > 7000);
});

test('#DE exits with code 0x40 at the faulting instruction, registers unchanged', () => {
  const g = new Guest64();
  const codes = assemble64(['div rbx', 'div ecx', 'idiv rbx', 'mov al, 1\nidiv cl', 'div byte [rsi]']);
  const rows: [number, bigint, bigint, bigint, bigint, number][] = [
    // code, rax, rdx, rbx, rcx, offset of the faulting instruction
    [0, 5n, 0n, 0n, 0n, 0], // divide by zero
    [1, 0n, 3n, 0n, 3n, 0], // quotient 2^32 does not fit
    [2, 0n, 0x8000000000000000n, 0xffffffffffffffffn, 0n, 0], // -2^127 / -1
    [3, 0x8000n, 0n, 0n, 0xffn, 2], // AX = 0x8001 (-32767) / -1: quotient above 127
    [4, 0x1234n, 0n, 0n, 0n, 0], // memory operand 0
  ];
  for (const [k, rax, rdx, rbx, rcx, off] of rows) {
    g.load(codes[k]);
    g.setReg(RAX, rax); g.setReg(RDX, rdx); g.setReg(RBX, rbx); g.setReg(1, rcx); g.setReg(RSI, MEM);
    g.setRflags(2n);
    const r = g.run();
    assert.equal(r.exitCode, 0x40, `case ${k}`);
    assert.equal(r.rip, 0x20000000n + BigInt(off), `case ${k} rip`);
    assert.equal(r.gpr[RDX], rdx);
    assert.equal(r.gpr[RBX], rbx);
    if (off === 0) assert.equal(r.gpr[RAX], rax);
  }
});
