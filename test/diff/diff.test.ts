// Differential tests of the core ALU, MOV and branch groups against the host CPU.
import test = require('node:test');
import assert = require('node:assert/strict');
import { assemble64 } from '../native/assemble';
import { runDiff, makeRng, randomGprs, randomFlags, type DiffCase } from './diff';

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];
const FORMS: string[] = [];
for (const op of ALU) {
  FORMS.push(`${op} rax, rbx`, `${op} eax, ecx`, `${op} dx, si`, `${op} al, bh`, `${op} r9b, r10b`, `${op} r8, r15`);
  FORMS.push(`${op} qword [rsi], rdx`, `${op} dword [rsi+8], eax`, `${op} rax, qword [rsi+16]`, `${op} word [rsi+2], 0x1234`);
  FORMS.push(`${op} rcx, -5`, `${op} ecx, 0x7fffffff`, `${op} al, 0x80`, `${op} byte [rsi+3], 0x7f`);
}
FORMS.push('inc rax', 'dec ecx', 'inc word [rsi]', 'dec byte [rsi+1]', 'inc r12d', 'dec r13w');
FORMS.push('mov rax, rbx', 'mov eax, [rsi+4]', 'mov [rsi+8], rcx', 'mov al, ah', 'mov r8b, 0x12', 'mov rax, 0x1122334455667788', 'mov word [rsi], 0x55aa');
FORMS.push('lea rax, [rbx+rcx*4+8]', 'lea eax, [rbx+rcx*8-1]', 'lea ax, [rbp+rdi]', 'xchg rax, rdx', 'xchg [rsi], ecx', 'movsxd rax, ecx');
FORMS.push('push rax\npop rbx', 'push qword [rsi]\npop rcx', 'call .f\njmp .e\n.f: mov rdx, 7\nret\n.e:');
FORMS.push('cmp rax, rbx\njb .t\nmov rcx, 1\n.t:', 'sub rax, rbx\njo .t\nmov rcx, 1\n.t:', 'test eax, eax\njle .t\nmov rcx, 1\n.t:');
FORMS.push('add eax, ebx\nseto cl', 'dec rax\njnz .t\nmov rdx, 9\n.t:');

test('core ALU/MOV/branch forms match the host CPU', () => {
  const codes = assemble64(FORMS.map((f) => f.replace(/seto cl/, 'jno .x\nmov cl, 1\n.x:')));
  const rng = makeRng(1234);
  const cases: DiffCase[] = [];
  for (let i = 0; i < codes.length; i++) {
    for (let k = 0; k < 120; k++) {
      const gpr = randomGprs(rng);
      gpr[6] = 0x10000100n; // rsi -> data
      cases.push({ code: codes[i], gpr, rflags: randomFlags(rng), label: FORMS[i] });
    }
  }
  const r = runDiff(cases);
  assert.ok(r.total > 10000);
  assert.deepEqual(r.mismatches, []);
});
