// Differential tests of the core integer groups in every form and operand size:
// ADD..CMP (00-3D, 80-83), TEST, INC/DEC (FE/FF), MOV (88-8B, A0-A3, B0-BF, C6/C7),
// LEA, XCHG, PUSH/POP, and near CALL/RET/JMP/Jcc (a branchy snippet), against the host CPU.
import test = require('node:test');
import assert = require('node:assert/strict');
import { assemble64 } from '../native/assemble';
import { runDiff, makeRng, randomGprs, randomFlags, edgeRandom64, type DiffCase } from './diff';

const OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const F: string[] = [];
for (const op of OPS) {
  F.push(`${op} bl, ch`, `${op} [rsi+1], dl`, `${op} r11b, sil`, `${op} cx, dx`, `${op} [rsi+2], r9w`, `${op} ebx, ebp`, `${op} [rsi], edi`,
    `${op} r12, rax`, `${op} [rsi+8], r13`, `${op} dh, [rsi+3]`, `${op} r10w, [rsi]`, `${op} eax, [rsi+4]`, `${op} r14, [rsi+16]`,
    `${op} al, 0x81`, `${op} ax, 0x8001`, `${op} eax, 0x80000001`, `${op} rax, -0x7fffffff`,
    `${op} bh, 0x7f`, `${op} byte [rsi+5], 0xfe`, `${op} di, 0x1234`, `${op} word [rsi], 0xfff0`, `${op} r8d, 0x7fffffff`,
    `${op} dword [rsi], 0x80000000`, `${op} r9, 0x12345678`, `${op} qword [rsi], -2`,
    `${op} si, byte -3`, `${op} ecx, byte 0x7f`, `${op} r15, byte -128`, `${op} qword [rsi+8], byte 1`,
    `db 0x82, 0x${(0xc0 | (OPS.indexOf(op) << 3) | 3).toString(16)}, 0x55`.replace('db 0x82', 'db 0x80'));
}
for (const f of ['test bl, ch', 'test [rsi], dl', 'test cx, dx', 'test ebx, ebp', 'test r12, rax', 'test al, 0x81', 'test ax, 0x8001',
  'test eax, 0x80000001', 'test rax, -5', 'test byte [rsi], 0x80', 'test word [rsi], 0x8000', 'test dword [rsi], 1', 'test qword [rsi], -1', 'test r10, 0x7fffffff']) F.push(f);
for (const f of ['inc al', 'inc bh', 'inc byte [rsi]', 'dec cx', 'dec word [rsi+1]', 'inc edx', 'dec dword [rsi]', 'inc r9', 'dec qword [rsi+8]', 'dec r12b', 'inc r13w', 'dec r14d']) F.push(f);
for (const f of ['mov bl, ch', 'mov [rsi+1], dl', 'mov r11b, sil', 'mov cx, dx', 'mov [rsi+2], r9w', 'mov ebx, ebp', 'mov [rsi], edi', 'mov r12, rax',
  'mov dh, [rsi+3]', 'mov r10w, [rsi]', 'mov eax, [rsi+4]', 'mov r14, [rsi+16]', 'mov al, [qword 0x10000100]', 'mov ax, [qword 0x10000102]',
  'mov eax, [qword 0x10000104]', 'mov rax, [qword 0x10000108]', 'mov [qword 0x10000110], al', 'mov [qword 0x10000112], ax', 'mov [qword 0x10000114], eax',
  'mov [qword 0x10000118], rax', 'mov cl, 0x99', 'mov r12b, 0x7f', 'mov si, 0x8765', 'mov r8d, 0xfedcba98', 'mov r9, 0x8877665544332211',
  'mov byte [rsi], 0x5a', 'mov word [rsi], 0xa55a', 'mov dword [rsi], -7', 'mov qword [rsi], -7', 'mov rax, -1', 'mov eax, -1', 'mov ax, -1']) F.push(f);
for (const f of ['lea rax, [rbx+rcx*4+8]', 'lea eax, [rbx+rcx*8-1]', 'lea ax, [rbp+rdi]', 'lea r9, [r12+r13*2+0x7fffffff]', 'lea ecx, [rel $+0x10]',
  'lea rdx, [rsp+rbp]', 'lea r10d, [r13]', 'a32 lea rax, [ebx+ecx*2+5]', 'a32 lea eax, [esi-1]',
  'xchg rax, rdx', 'xchg eax, ecx', 'xchg ax, r9w', 'xchg [rsi], ecx', 'xchg bl, [rsi+1]', 'xchg r8, [rsi]', 'xchg ah, bh', 'xchg ebx, ebx', 'xchg r9d, eax',
  'push rax\npop rbx', 'push qword [rsi]\npop rcx', 'push r12\npop qword [rsi]', 'push word 0\npush dx\npop r9w\npop ax', 'push rsp\npop rax',
  'pop rsp', 'push qword [rsp]\npop rbx\npop rcx']) F.push(f);
F.push('call .f\njmp .e\n.f: mov rdx, 7\nret\n.e:', 'call .f\njmp .e\n.f: ret 16\n.e:', 'lea rax, [rel .t]\njmp rax\nmov rcx, 1\n.t:',
  'lea rax, [rel .t]\ncall rax\njmp .e\n.t: inc rbx\nret\n.e:', 'lea rax, [rel .t]\nmov [rsi], rax\njmp [rsi]\nmov rcx, 1\n.t:',
  'lea rax, [rel .t]\nmov [rsi], rax\ncall [rsi]\njmp .e\n.t: inc rdx\nret\n.e:', 'lea rax, [rel .t]\npush rax\nret\nmov rcx, 1\n.t:');
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
for (const cc of CC) F.push(`cmp rax, rbx\nj${cc} .t\nmov rcx, 1\n.t:`, `sub ecx, edx\nj${cc} near .t\ntimes 200 nop\nmov rcx, 1\n.t:`);
F.push('mov ecx, 5\n.l: add rax, rcx\ndec ecx\njnz .l', 'xor edx, edx\n.l: inc rdx\ncmp rdx, 7\njb .l\nmov rbx, rdx');

test('core ALU/MOV/branch groups in every form and size match the host CPU', (t) => {
  const codes = assemble64(F);
  const rng = makeRng(99);
  const pool: Uint8Array[] = [];
  for (let p = 0; p < 16; p++) {
    const d = new Uint8Array(65536);
    for (let j = 0x100; j < 0x1200; j += 8) {
      const v = edgeRandom64(rng);
      for (let b = 0; b < 8; b++) d[j + b] = Number((v >> BigInt(8 * b)) & 0xffn);
    }
    pool.push(d);
  }
  const cases: DiffCase[] = [];
  for (let i = 0; i < codes.length; i++) {
    for (let k = 0; k < 24; k++) {
      const gpr = randomGprs(rng);
      gpr[6] = 0x10000100n + BigInt(Math.floor(rng() * 0x1000)); // rsi -> data
      cases.push({ code: codes[i], gpr, rflags: randomFlags(rng), data: pool[k & 15], label: F[i] });
    }
  }
  const r = runDiff(cases);
  t.diagnostic(`${r.total} cases`);
  assert.ok(r.total > 8000, `only ${r.total} cases`);
  assert.deepEqual(r.mismatches, []);
});
