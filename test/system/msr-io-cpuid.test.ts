// CPUID against the model and the manual's vendor string; RDMSR/WRMSR with MSRPM
// selectivity (svm.md 8); IOIO through the IOPM (svm.md 6.1: port bits, sizes, strings).
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { SysGuest, CODE_VA, DATA_VA } from './sys-guest';
import { setMsrIntercept } from '../../src/cpu/svm/msrpm';
import { setIoIntercept } from '../../src/cpu/svm/iopm';
import { CpuidModel } from '../../src/cpu/cpuid';

const MSRPM = 0x5000, IOPM = 0x2000;

test('CPUID returns the model (AuthenticAMD, LM, SVM) for leaves 0, 1, 8000_0001, 8000_000A', () => {
  const model = new CpuidModel();
  for (const leaf of [0, 1, 7, 0x80000001, 0x8000000a, 0x80000008]) {
    const s = new SysGuest();
    s.load('cpuid');
    s.setReg(0, BigInt(leaf));
    s.setReg(1, 0n);
    const r = s.run();
    assert.equal(r.exitCode, 0x81);
    const out = new Int32Array(4);
    model.query(leaf, 0, out);
    assert.deepEqual([r.gpr[0], r.gpr[3], r.gpr[1], r.gpr[2]], [...out].map((x) => BigInt(x >>> 0)), `leaf ${leaf.toString(16)}`);
    if (leaf === 0) {
      const b = Buffer.alloc(12);
      b.writeUInt32LE(Number(r.gpr[3]), 0); b.writeUInt32LE(Number(r.gpr[2]), 4); b.writeUInt32LE(Number(r.gpr[1]), 8);
      assert.equal(b.toString('latin1'), 'AuthenticAMD');
    }
    if (leaf === 0x80000001) {
      assert.equal((r.gpr[2] >> 29n) & 1n, 1n, 'LM');
      assert.equal((r.gpr[1] >> 2n) & 1n, 1n, 'SVM');
    }
  }
});

function msrGuest(asm: string): SysGuest {
  const s = new SysGuest();
  s.load(asm);
  s.mem.fill(MSRPM, 0x2000, 0);
  return s;
}

test('WRMSR/RDMSR round trips with the MSRPM clear', () => {
  const s = msrGuest([
    'mov ecx, 0xc0000082', 'mov eax, 0x89abcdef', 'mov edx, 0xffff8000', 'wrmsr', 'xor eax, eax', 'xor edx, edx', 'rdmsr', 'mov r8, rax', 'mov r9, rdx',
    'mov ecx, 0xc0000102', 'mov eax, 0x1000', 'mov edx, 0x1', 'wrmsr', 'swapgs', 'mov ecx, 0xc0000101', 'rdmsr', 'mov r10, rax', 'mov r11, rdx',
    'mov ecx, 0x277', 'rdmsr', 'mov r12, rax', 'mov ecx, 0x1b', 'rdmsr', 'mov r13, rax',
  ].join('\n'));
  const r = s.run();
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[8], 0x89abcdefn);
  assert.equal(r.gpr[9], 0xffff8000n);
  assert.equal(r.gpr[10], 0x1000n, 'SWAPGS moved KERNEL_GS_BASE into GS.base');
  assert.equal(r.gpr[11], 1n);
  assert.equal(r.gpr[12], 0x00070406n, 'PAT reset value (APM)');
  assert.equal(r.gpr[13], 0xfee00900n, 'APIC_BASE: default base, BSP, enabled');
});

test('MSRPM selectivity: only the MSR and direction whose bit is set exit', () => {
  const s = msrGuest('mov ecx, 0xc0000081\nrdmsr\nmov r8, 1\nwrmsr\nmov r9, 1');
  setMsrIntercept(s.mem, MSRPM, 0xc0000081, false, true);
  const r = s.run();
  assert.equal(r.exitCode, 0x7c);
  assert.equal(r.exitInfo1, 1n, 'WRMSR');
  assert.equal(r.gpr[8], 1n, 'RDMSR of the same MSR did not exit');
  assert.equal(r.rip, BigInt(CODE_VA + 5 + 2 + 6));
});

test('WRMSR: invalid EFER / non-canonical LSTAR / unknown MSR raise #GP(0)', () => {
  for (const asm of ['mov ecx, 0xc0000080\nmov eax, 0x100000\nxor edx, edx\nwrmsr', 'mov ecx, 0xc0000082\nxor eax, eax\nmov edx, 0x00008000\nwrmsr', 'mov ecx, 0x1234\nrdmsr']) {
    const s = msrGuest(asm);
    const r = s.run();
    assert.equal(r.exitCode, 0x4d, asm);
  }
  const s = msrGuest('mov ecx, 0x12345\nrdmsr');
  assert.equal(s.run().exitCode, 0x7c, 'an MSR outside the MSRPM ranges always exits');
});

test('TSC: RDTSC is monotonic and includes TSC_OFFSET; WRMSR TSC sets it', () => {
  const s = msrGuest('rdtsc\nshl rdx, 32\nor rax, rdx\nmov r8, rax\nrdtsc\nshl rdx, 32\nor rax, rdx\nmov r9, rax\nmov ecx, 0x10\nxor eax, eax\nmov edx, 0x100\nwrmsr\nrdtsc\nshl rdx, 32\nor rax, rdx\nmov r10, rax');
  s.mem.write32(s.g.vmcb + 0x50 + 4, 0x10); // TSC_OFFSET = 0x10_0000_0000
  const r = s.run();
  assert.ok(r.gpr[9] > r.gpr[8]);
  assert.ok(r.gpr[8] >= 0x1000000000n, 'offset applied');
  assert.ok(r.gpr[10] >= 0x10000000000n && r.gpr[10] < 0x10000000000n + 1_000_000_000n, 'TSC written');
});

test('IOIO through the IOPM: port bits, access sizes, strings', () => {
  const run = (asm: string, ports: number[], regs: [number, bigint][] = []) => {
    const s = new SysGuest();
    s.load(asm);
    s.mem.fill(IOPM, 0x3000, 0);
    for (const p of ports) setIoIntercept(s.mem, IOPM, p, true);
    s.setReg(4, BigInt(DATA_VA + 0x100));
    for (const [r, v] of regs) s.setReg(r, v);
    return s.run();
  };
  let r = run('out 0x70, al\nin al, 0x70\nmov r8, rax', [0x71]);
  assert.equal(r.exitCode, 0x81, 'port 0x70 bit clear: runs');
  assert.equal(r.gpr[8] & 0xffn, 0xffn, 'unclaimed port reads all ones');
  r = run('in ax, 0x70', [0x71]);
  assert.equal(r.exitCode, 0x7b, 'a word at 0x70 covers 0x71');
  assert.equal(r.exitInfo1, (0x70n << 16n) | 0x200n | 0x20n | 1n);
  assert.equal(r.exitInfo2, BigInt(CODE_VA + 3));
  r = run('mov dx, 0x3fb\nout dx, eax', [0x3fe]);
  assert.equal(r.exitCode, 0x7b);
  assert.equal(r.exitInfo1, (0x3fbn << 16n) | 0x200n | 0x40n);
  r = run('rep insb', [0x3f8], [[2, 0x3f8n], [7, BigInt(DATA_VA)], [1, 4n]]);
  assert.equal(r.exitInfo1, (0x3f8n << 16n) | 0x200n | 0x10n | 8n | 4n | 1n);
  r = run('fs outsw', [0x3f8], [[2, 0x3f8n], [6, BigInt(DATA_VA)]]);
  assert.equal(r.exitInfo1, (0x3f8n << 16n) | (4n << 10n) | 0x200n | 0x20n | 4n);
  r = run('rep insb\nmov r8, rdi', [], [[2, 0x3f8n], [7, BigInt(DATA_VA)], [1, 4n]]);
  assert.equal(r.exitCode, 0x81);
  assert.equal(r.gpr[8], BigInt(DATA_VA + 4));
});
