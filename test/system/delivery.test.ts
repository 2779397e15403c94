// Interrupt delivery through a 64-bit IDT (APM Vol.2 8.9), SYSCALL/SYSRET (6.1.1), and
// MOV CR3 flushing the TLB (5.5.1).
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { SysGuest, CODE_VA, DATA_VA, ISTSTACK, KCODE, KDATA, UCODE64, UDATA, USTACK } from './sys-guest';
import { VMCB } from '../../src/cpu/svm/vmcb-layout';

// Handler: RBX = RSP, RCX = CS, RDX = SS, RSI = old RSP, RDI = RIP from the frame, R8 = own CS.
const FRAME_HANDLER = 'mov rbx, rsp\nmov rcx, [rsp+8]\nmov rdx, [rsp+32]\nmov rsi, [rsp+24]\nmov rdi, [rsp]\nmov r8, cs\nvmmcall';

test('INT n from CPL 3 through a DPL-3 gate with IST1: CPL 0, 16-byte aligned IST stack, full frame', () => {
  const s = new SysGuest();
  s.load('int 0x80\nud2', [FRAME_HANDLER]);
  s.gate(0x80, s.handlerVa(0), { dpl: 3, ist: 1 });
  s.startUser();
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.cpl, 0);
  assert.equal(r.gpr[8], BigInt(KCODE));
  assert.equal(r.gpr[3], BigInt((ISTSTACK & ~15) - 40), 'IST1 aligned down to 16, 5 qwords pushed');
  assert.equal(r.gpr[1], BigInt(UCODE64));
  assert.equal(r.gpr[2], BigInt(UDATA));
  assert.equal(r.gpr[6], BigInt(USTACK));
  assert.equal(r.gpr[7], BigInt(CODE_VA + 2), 'return RIP = after INT n');
  assert.equal(r.ss & ~3, 0, 'SS is a null selector after a long-mode privilege change');
});

test('INT n through a DPL-0 gate from CPL 3 is #GP(vector*8+2)', () => {
  const s = new SysGuest();
  s.load('int 0x80', [FRAME_HANDLER]);
  s.gate(0x80, s.handlerVa(0), { dpl: 0 });
  s.startUser();
  const r = s.run();
  assert.equal(r.exitCode, 0x4d);
  assert.equal(r.exitInfo1, BigInt(0x80 * 8 + 2));
});

test('IRETQ returns from the handler to CPL 3', () => {
  const s = new SysGuest();
  s.load('int 0x80\nmov r12, 7', ['mov r13, 5\niretq']);
  s.gate(0x80, s.handlerVa(0), { dpl: 3 });
  s.startUser();
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.cpl, 3);
  assert.equal(r.cs, UCODE64);
  assert.equal(r.gpr[12], 7n);
  assert.equal(r.gpr[13], 5n);
  assert.equal(r.gpr[4], BigInt(USTACK));
});

test('#PF is delivered to the guest handler with CR2 and the error code', () => {
  const s = new SysGuest();
  s.load('mov qword [rax], 1', ['mov rbx, cr2\nmov rcx, [rsp]\nmov rdx, [rsp+8]\nvmmcall']);
  s.gate(14, s.handlerVa(0));
  s.intercept(0x40 + 14, false);
  s.setReg(0, 0x80001234n); // beyond the guest's 1 GiB identity map: not present
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[3], 0x80001234n, 'CR2');
  assert.equal(r.gpr[1], 2n, 'error code: write, not present, supervisor');
  assert.equal(r.gpr[2], BigInt(CODE_VA), 'faulting RIP');
});

test('#PF intercepted: EXITINFO1 = error code, EXITINFO2 = address, guest CR2 untouched', () => {
  const s = new SysGuest();
  s.load('mov rbx, [rax]');
  s.setReg(0, 0x80005678n);
  const r = s.run();
  assert.equal(r.exitCode, 0x4e);
  assert.equal(r.exitInfo1, 0n);
  assert.equal(r.exitInfo2, 0x80005678n);
  assert.equal(s.vmcb64(VMCB.CR2), 0n);
});

test('SYSCALL/SYSRET round trip between CPL 3 and CPL 0', () => {
  const s = new SysGuest();
  s.load('mov r11, 0\nsyscall\nmov r9, 1', ['mov r8, cs\nmov r10, rcx\nmov r14, r11\nmov r15, ss\no64 sysret']);
  const m = s.mem, v = s.g.vmcb;
  m.write32(v + VMCB.STAR + 4, (0x18 << 16) | KCODE);
  m.write32(v + VMCB.LSTAR, s.handlerVa(0));
  m.write32(v + VMCB.SFMASK, 0x200);
  s.startUser();
  s.setRflags(0x202n);
  s.cpu.vmload(v);
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[8], BigInt(KCODE), 'CS in the kernel = STAR[47:32]');
  assert.equal(r.gpr[15], BigInt(KDATA), 'SS in the kernel = STAR[47:32] + 8');
  assert.equal(r.gpr[10], BigInt(CODE_VA + 8), 'RCX = return RIP (after the 6-byte MOV and SYSCALL)');
  assert.equal(r.gpr[14] & 0x200n, 0x200n, 'R11 = RFLAGS with IF');
  assert.equal(r.gpr[9], 1n);
  assert.equal(r.cpl, 3);
  assert.equal(r.cs, UCODE64, 'SYSRET CS = STAR[63:48] + 16 | 3');
  assert.equal(r.ss, UDATA, 'SYSRET SS = STAR[63:48] + 8 | 3');
  assert.equal(r.rflags & 0x200n, 0x200n);
});

test('MOV CR3 flushes stale translations of the current ASID', () => {
  const s = new SysGuest();
  s.load([
    'mov rax, [0x10000000]',
    'mov rbx, 0x20000087', // PD[128] -> the 2 MiB page holding the code
    'mov [0x3000 + 128*8], rbx',
    'mov rcx, [0x10000000]', // stale TLB entry still maps the data page
    'mov rdx, cr3',
    'mov cr3, rdx',
    'mov rsi, [0x10000000]',
  ].join('\n'));
  const data = s.g.data();
  data.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[0], 0x0807060504030201n);
  assert.equal(r.gpr[1], r.gpr[0], 'without a flush the old translation is used');
  const code = s.mem.u8.subarray(0x300000, 0x300008);
  assert.equal(r.gpr[6], Buffer.from(code).readBigUInt64LE(0), 'after MOV CR3 the new mapping is used');
  void DATA_VA;
});

test('INVLPG drops one stale translation', () => {
  const s = new SysGuest();
  s.load('mov rax, [0x10000000]\nmov rbx, 0x20000087\nmov [0x3000 + 128*8], rbx\ninvlpg [0x10000000]\nmov rsi, [0x10000000]');
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[6], Buffer.from(s.mem.u8.subarray(0x300000, 0x300008)).readBigUInt64LE(0));
});
