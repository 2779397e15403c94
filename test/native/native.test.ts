// Tests of the native differential harness itself (runner.c, native.ts, assemble.ts).
import { test, type TestContext } from 'node:test';
import assert = require('node:assert/strict');
import { assemble, assemble64 } from './assemble';
import {
  CODE_VA, DATA_SIZE, DATA_VA, NativeCase, NativeResult, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS, SIGTRAP,
  STATUS_TIMEOUT, defaultFxsave, nativeSupported, runNative,
} from './native';

// Every test needs the host CPU to be x86-64 (and Linux for the runner).
const skip = nativeSupported ? false : 'needs an x86-64 Linux host';
const it = (name: string, fn: (t: TestContext) => void) => test(name, { skip }, fn);

const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RSI = 6, RDI = 7;
const CF = 0x1n, PF = 0x4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, DF = 0x400n, OF = 0x800n;
const ARITH = CF | PF | AF | ZF | SF | OF;

function regs(init: Record<number, bigint> = {}): bigint[] {
  const g = Array.from({ length: 16 }, (_, i) => 0x1111111111111111n * BigInt(i + 1));
  g[RSP] = BigInt(DATA_VA + 0x8000);
  for (const [k, v] of Object.entries(init)) g[Number(k)] = v;
  return g;
}

function run1(asm: string, gpr: bigint[], opts: Partial<NativeCase> = {}): NativeResult {
  const [code] = assemble64([asm]);
  return runNative([{ code, gpr, rflags: 0n, ...opts }])[0];
}

function xmm(fx: Uint8Array, n: number): number[] {
  const dv = new DataView(fx.buffer, fx.byteOffset + 160 + 16 * n, 16);
  return [0, 4, 8, 12].map((o) => dv.getUint32(o, true));
}

it('add rax, rbx: result and flags', () => {
  const r = run1('add rax, rbx', regs({ [RAX]: 0xffffffffffffffffn, [RBX]: 1n }));
  assert.equal(r.status, 0);
  assert.equal(r.gpr[RAX], 0n);
  assert.equal(r.gpr[RBX], 1n);
  assert.equal(r.gpr[RCX], 0x2222222222222222n, 'other registers untouched');
  assert.equal(r.rflags & ARITH, CF | PF | AF | ZF);

  const s = run1('add rax, rbx', regs({ [RAX]: 0x7fffffffffffffffn, [RBX]: 1n }));
  assert.equal(s.gpr[RAX], 0x8000000000000000n);
  assert.equal(s.rflags & ARITH, OF | SF | AF | PF);
});

it('input flags reach the snippet (CF, DF) and come back', () => {
  const r = run1('adc rax, 0\nstd\nlea rsi, [rel $]', regs({ [RAX]: 5n }), { rflags: CF });
  assert.equal(r.gpr[RAX], 6n);
  assert.equal(r.rflags & DF, DF);
  assert.equal(r.gpr[RSI], BigInt(CODE_VA) + 5n, 'code runs at CODE_VA');
});

it('div by zero reports SIGFPE with the state before the div', () => {
  const r = run1('mov rcx, 0x77\ndiv rbx', regs({ [RAX]: 42n, [RDX]: 0n, [RBX]: 0n }));
  assert.equal(r.status, SIGFPE);
  assert.equal(r.faultAddr, 0n);
  assert.equal(r.gpr[RAX], 42n);
  assert.equal(r.gpr[RCX], 0x77n);
});

it('faults: SIGSEGV with address, SIGILL, SIGTRAP', () => {
  const [seg, ill, trap] = assemble64(['mov rax, [0x1238]', 'ud2', 'int3']);
  const g = regs();
  const [a, b, c] = runNative([seg, ill, trap].map((code) => ({ code, gpr: g, rflags: 0n })));
  assert.equal(a.status, SIGSEGV);
  assert.equal(a.faultAddr, 0x1238n);
  assert.equal(b.status, SIGILL);
  assert.equal(c.status, SIGTRAP);
});

it('push/pop through RSP in the data area', () => {
  const r = run1('push rax\npush rbx\npop rcx\npop rdx\npush rdi', regs({ [RAX]: 0xaaaan, [RBX]: 0xbbbbn }));
  assert.equal(r.status, 0);
  assert.equal(r.gpr[RCX], 0xbbbbn);
  assert.equal(r.gpr[RDX], 0xaaaan);
  assert.equal(r.gpr[RSP], BigInt(DATA_VA + 0x8000 - 8));
  const dv = new DataView(r.data.buffer, r.data.byteOffset);
  assert.equal(dv.getBigUint64(0x8000 - 8, true), regs()[RDI]);
  assert.equal(dv.getBigUint64(0x8000 - 16, true), 0xbbbbn);
});

it('data area is reset between cases; only changed blocks come back', () => {
  const data = new Uint8Array(DATA_SIZE);
  data[0x100] = 0x5a;
  const [w, r, n] = assemble64(['mov byte [rsi+0x5000], 7', 'mov al, [rsi+0x100]\nmov bl, [rsi+0x5000]', 'nop']);
  const g = regs({ [RSI]: BigInt(DATA_VA), [RAX]: 0n, [RBX]: 0n });
  const res = runNative([
    { code: w, gpr: g, rflags: 0n, data }, { code: r, gpr: g, rflags: 0n }, { code: n, gpr: g, rflags: 0n, data },
  ]);
  assert.equal(res[0].dirtyBlocks, 1n << 20n);
  assert.equal(res[0].data[0x100], 0x5a);
  assert.equal(res[0].data[0x5000], 7);
  assert.equal(res[1].gpr[RAX], 0n, 'input block cleared');
  assert.equal(res[1].gpr[RBX], 0n, 'written block cleared');
  assert.equal(res[2].dirtyBlocks, 0n);
  assert.deepEqual(res[2].data, data);
  assert.deepEqual(res[1].data, new Uint8Array(DATA_SIZE));
});

it('movdqu/paddd change the XMM bytes of the fxsave image', () => {
  const data = new Uint8Array(DATA_SIZE);
  const dv = new DataView(data.buffer);
  [1, 2, 3, 0xffffffff].forEach((v, i) => dv.setUint32(0x100 + 4 * i, v, true));
  const fx = defaultFxsave();
  fx.set([5, 0, 0, 0], 160 + 16 * 1); // xmm1 dword0 = 5
  const r = run1('movdqu xmm0, [rsi]\npaddd xmm0, xmm0\npaddd xmm1, xmm0',
    regs({ [RSI]: BigInt(DATA_VA + 0x100) }), { data, fxsave: fx });
  assert.equal(r.status, 0);
  assert.deepEqual(xmm(r.fxsave, 0), [2, 4, 6, 0xfffffffe]);
  assert.deepEqual(xmm(r.fxsave, 1), [7, 4, 6, 0xfffffffe]);
  assert.equal(new DataView(r.fxsave.buffer).getUint16(0, true), 0x37f, 'FCW');
  assert.equal(new DataView(r.fxsave.buffer).getUint32(24, true), 0x1f80, 'MXCSR');
});

it('fault state includes XMM registers; init-state XMM reads back as zero', () => {
  const fx = defaultFxsave();
  fx.set([9], 160 + 16 * 15);
  const [a, b] = assemble64(['pcmpeqd xmm3, xmm3\nud2', 'ud2']);
  const [ra, rb] = runNative([{ code: a, gpr: regs(), rflags: 0n, fxsave: fx }, { code: b, gpr: regs(), rflags: 0n }]);
  assert.equal(ra.status, SIGILL);
  assert.deepEqual(xmm(ra.fxsave, 3), [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  assert.deepEqual(xmm(ra.fxsave, 15), [9, 0, 0, 0]);
  assert.equal(rb.status, SIGILL);
  assert.deepEqual(xmm(rb.fxsave, 3), [0, 0, 0, 0]);
  assert.deepEqual(xmm(rb.fxsave, 15), [0, 0, 0, 0]);
});

it('snippets may clobber every register, flags, FS and loop forever', () => {
  const snippets = [
    'xor eax, eax\nmov rsp, rax\nmov rbp, rax\nmov rsi, rax\nmov r15, rax',
    'push 0x40cd5\npopfq', // AC, DF and all arithmetic flags
    'xor eax, eax\nmov fs, ax\nmov gs, ax',
    'jmp $',
    'mov rax, rbx',
  ];
  const codes = assemble64(snippets);
  const res = runNative(codes.map((code) => ({ code, gpr: regs(), rflags: 0n })));
  assert.deepEqual(res.map((r) => r.status), [0, 0, 0, STATUS_TIMEOUT, 0]);
  assert.equal(res[0].gpr[RSP], 0n);
  assert.equal(res[1].rflags & 0x40cd5n, 0x40cd5n);
  assert.equal(res[4].gpr[RAX], regs()[RBX], 'runner still sane afterwards');
});

it('system calls are stopped (SIGSYS); EFLAGS.AC faults misaligned access (SIGBUS)', () => {
  const codes = assemble64(['mov eax, 60\nxor edi, edi\nsyscall', 'push 0x40000\npopfq\nmov rax, [rsp+1]', 'nop']);
  const res = runNative(codes.map((code) => ({ code, gpr: regs(), rflags: 0n })));
  assert.deepEqual(res.map((r) => r.status), [SIGSYS, SIGBUS, 0]);
  assert.equal(res[0].gpr[RAX], 60n);
});

it('assembler: errors name the snippet; label clashes and 16/32-bit', () => {
  assert.throws(() => assemble64(['nop', 'mov rax, [[nope', 'nop']), /snippet #1:[\s\S]*mov rax, \[\[nope/);
  const [a, b] = assemble64(['top: dec rcx\njnz top', 'top: dec rdx\njnz top']);
  assert.deepEqual([...a], [0x48, 0xff, 0xc9, 0x75, 0xfb]);
  assert.deepEqual([...b], [0x48, 0xff, 0xca, 0x75, 0xfb]);
  assert.deepEqual([...assemble(['mov ax, bx'], 16)[0]], [0x89, 0xd8]);
  assert.deepEqual([...assemble(['mov ax, bx'], 32)[0]], [0x66, 0x89, 0xd8]);
  assert.deepEqual([...assemble64(['nop\nalign 8\nnop'])[0]], [0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90]);
});

it('batch of 10,000 cases', (t) => {
  const N = 10000;
  const ops = ['add rax, rbx', 'sub rax, rbx', 'xor rax, rbx', 'imul rax, rbx'];
  const codes = assemble64(ops);
  let seed = 12345n;
  const rnd = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn);
  const cases: NativeCase[] = [];
  for (let i = 0; i < N; i++) cases.push({ code: codes[i % 4], gpr: regs({ [RAX]: rnd(), [RBX]: rnd() }), rflags: 0n });
  const t0 = performance.now();
  const res = runNative(cases);
  const ms = performance.now() - t0;
  t.diagnostic(`10000 cases in ${ms.toFixed(0)} ms (${Math.round(N / (ms / 1000))} cases/s)`);
  assert.equal(res.length, N);
  const M = (1n << 64n) - 1n;
  res.forEach((r, i) => {
    const a = cases[i].gpr[RAX], b = cases[i].gpr[RBX];
    const want = [(a + b) & M, (a - b) & M, a ^ b, (a * b) & M][i % 4];
    assert.equal(r.status, 0);
    if (r.gpr[RAX] !== want) assert.fail(`case ${i} (${ops[i % 4]}): got ${r.gpr[RAX]}, want ${want}`);
  });
});
