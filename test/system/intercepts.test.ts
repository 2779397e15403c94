// Each system-instruction intercept exits with the exact EXITCODE / EXITINFO1 / EXITINFO2
// of svm.md sections 3, 5, 6, and nRIP (VMCB C8h) = the next instruction.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { SysGuest, CODE_VA, DATA_VA } from './sys-guest';
import { assemble64 } from '../native/assemble';

const BIT63 = 1n << 63n;
interface Case { asm: string; exit: number; info1?: bigint; info2?: bigint; regs?: [number, bigint][]; setup?: (s: SysGuest) => void; set?: number[] }

const CASES: Record<string, Case> = {
  cpuid: { asm: 'cpuid', set: [0x72], exit: 0x72 },
  rdtsc: { asm: 'rdtsc', set: [0x6e], exit: 0x6e },
  rdtscp: { asm: 'rdtscp', set: [0x87], exit: 0x87 },
  rdpmc: { asm: 'rdpmc', set: [0x6f], exit: 0x6f, regs: [[1, 0n]] },
  pushf: { asm: 'pushfq', set: [0x70], exit: 0x70 },
  popf: { asm: 'popfq', set: [0x71], exit: 0x71 },
  intn: { asm: 'int 0x21', set: [0x75], exit: 0x75, info1: 0x21n },
  hlt: { asm: 'hlt', exit: 0x78 },
  invlpg: { asm: 'invlpg [rax+8]', set: [0x79], exit: 0x79, info1: 0x12345008n, regs: [[0, 0x12345000n]] },
  invd: { asm: 'invd', set: [0x76], exit: 0x76 },
  wbinvd: { asm: 'wbinvd', set: [0x89], exit: 0x89 },
  iret: { asm: 'iretq', set: [0x74], exit: 0x74 },
  sgdt: { asm: 'sgdt [rsp-16]', set: [0x67], exit: 0x67 },
  sidt: { asm: 'sidt [rsp-16]', set: [0x66], exit: 0x66 },
  lgdt: { asm: 'lgdt [rsp]', set: [0x6b], exit: 0x6b },
  lidt: { asm: 'lidt [rsp]', set: [0x6a], exit: 0x6a },
  sldt: { asm: 'sldt ax', set: [0x68], exit: 0x68 },
  str: { asm: 'str ax', set: [0x69], exit: 0x69 },
  lldt: { asm: 'lldt ax', set: [0x6c], exit: 0x6c },
  ltr: { asm: 'ltr ax', set: [0x6d], exit: 0x6d },
  readCr3: { asm: 'mov rbx, cr3', set: [0x03], exit: 0x03, info1: 3n | BIT63 },
  readCr8: { asm: 'mov r9, cr8', set: [0x08], exit: 0x08, info1: 9n | BIT63 },
  writeCr4: { asm: 'mov cr4, rcx', set: [0x14], exit: 0x14, info1: 1n | BIT63 },
  writeCr0Sel: { asm: 'mov rax, cr0\nbts eax, 30\nmov cr0, rax', set: [0x65], exit: 0x65, info1: 0n | BIT63 },
  clts: { asm: 'clts', set: [0x10], exit: 0x10, info1: 0n },
  lmswSel: { asm: 'mov ax, 5\nlmsw ax', set: [0x65], exit: 0x65, info1: 0n }, // sets CR0.EM: a selective write
  smsw: { asm: 'smsw eax', set: [0x00], exit: 0x00, info1: 0n },
  readDr7: { asm: 'mov rdx, dr7', set: [0x27], exit: 0x27 },
  writeDr0: { asm: 'mov dr0, rsi', set: [0x30], exit: 0x30 },
  rdmsr: { asm: 'rdmsr', exit: 0x7c, info1: 0n, regs: [[1, 0xc0000081n]] },
  wrmsr: { asm: 'wrmsr', exit: 0x7c, info1: 1n, regs: [[1, 0xc0000081n]] },
  icebp: { asm: 'db 0xf1', set: [0x88], exit: 0x88 },
  rsm: { asm: 'rsm', set: [0x73], exit: 0x73 },
  inImm: { asm: 'in al, 0x60', exit: 0x7b, info1: (0x60n << 16n) | 0x211n },
};

for (const [name, k] of Object.entries(CASES)) {
  test(`intercept ${name}: exit ${k.exit.toString(16)}h with EXITINFO and nRIP`, () => {
    const s = new SysGuest();
    const pre = 'nop\n';
    s.load(pre + k.asm);
    for (const code of k.set ?? []) s.intercept(code);
    s.setReg(4, BigInt(DATA_VA + 0x8000));
    for (const [r, v] of k.regs ?? []) s.setReg(r, v);
    k.setup?.(s);
    const r = s.run();
    const lastLen = assemble64([k.asm.split('\n').pop()!])[0].length;
    const total = assemble64([pre + k.asm])[0].length;
    assert.equal(r.exitCode, k.exit, `exit code 0x${r.exitCode.toString(16)}`);
    if (k.info1 !== undefined) assert.equal(r.exitInfo1, k.info1);
    assert.equal(r.rip, BigInt(CODE_VA + total - lastLen), 'RIP = the intercepted instruction');
    assert.equal(r.nrip, BigInt(CODE_VA + total), 'nRIP = next instruction');
    if (k.exit === 0x7b) assert.equal(r.exitInfo2, BigInt(CODE_VA + total), 'IOIO EXITINFO2 = next RIP');
  });
}

test('CR0 selective write: TS/MP-only changes do not exit; other bits do', () => {
  const s = new SysGuest();
  s.load('mov rax, cr0\nxor al, 0xa\nmov cr0, rax\nclts\nmov rbx, cr0');
  s.intercept(0x65);
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[3] & 0xan, 0x2n); // MP set, TS cleared by CLTS
});

test('CR read intercept of CR0 does not fire for other CRs', () => {
  const s = new SysGuest();
  s.load('mov rax, cr4\nmov rbx, cr3');
  s.intercept(0x00);
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[0], 0x620n);
  assert.equal(r.gpr[3], 0x1000n);
});

test('INT3 is a #BP exception intercept (43h) with RIP at INT3', () => {
  const s = new SysGuest();
  s.load('nop\nint3');
  const r = s.run();
  assert.equal(r.exitCode, 0x43);
  assert.equal(r.rip, BigInt(CODE_VA + 1));
});

test('privileged instructions at CPL 3 raise #GP before their intercept', () => {
  for (const asm of ['hlt', 'rdmsr', 'mov rax, cr0', 'invd', 'lgdt [rsp]', 'clts']) {
    const s = new SysGuest();
    s.load(asm);
    s.intercept(0x76); s.intercept(0x6b); s.intercept(0x00); s.intercept(0x10);
    s.startUser();
    const r = s.run();
    assert.equal(r.exitCode, 0x4d, asm);
    assert.equal(r.exitInfo1, 0n, asm);
  }
});

test('MONITOR/MWAIT/XSETBV are absent (CPUID): #UD even when intercepted', () => {
  for (const [asm, code] of [['monitor', 0x8a], ['mwait', 0x8b], ['xsetbv', 0x8d]] as const) {
    const s = new SysGuest();
    s.load(asm);
    s.intercept(code);
    assert.equal(s.run().exitCode, 0x46, asm);
  }
});
