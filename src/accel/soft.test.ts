// Small guests through accel/soft: lazy RAM, port I/O, MMIO emulation, CPUID, exit counters,
// shutdown. (Interrupts and the LAPIC timer: soft-lapic.test.ts.)
import test = require('node:test');
import assert = require('node:assert/strict');
import { SoftAccelerator } from './soft';
import { FIX, bootState64, gate, loadGuest64, runUntil, isDebugExit } from './guest-fixture';
import type { Vcpu, VcpuExit, Vm } from './accel';
import { assemble } from '../../test/native/assemble';

function guest(src: string, memoryBytes = 16 << 20): { vm: Vm; vcpu: Vcpu } {
  const [code] = assemble([src], 64);
  const vm = new SoftAccelerator().createVm({ memoryBytes });
  const vcpu = vm.createVcpu(0);
  loadGuest64(vm, vcpu, code);
  return { vm, vcpu };
}

test('guest RAM is filled lazily: 100 untouched pages cost 100 NPF exits the first time, none after', () => {
  const { vm, vcpu } = guest(`mov rdi, 0x400000
mov ecx, 100
l: mov [rdi], ecx
add rdi, 4096
dec ecx
jnz l
out 0xf4, al`);
  runUntil(vcpu, isDebugExit);
  const s1 = vcpu.stats();
  assert.equal(s1.ramPagesFaulted, 100);
  assert.equal(s1.exits.NPF, 100);
  const mem = vm.readMemory(0x400000 + 99 * 4096, 4);
  assert.equal(new DataView(mem.buffer).getUint32(0, true), 1); // the last page got ecx = 1
  vcpu.setBootState({ ...bootState64() });
  runUntil(vcpu, isDebugExit);
  assert.equal(vcpu.stats().exits.NPF, 100);
  vm.destroy();
});

test('pages outside RAM are never mapped: reads go to the VMM as MMIO', () => {
  const { vm, vcpu } = guest('mov rbx, 0x3000000\nmov eax, [rbx]\nout 0xf4, al', 16 << 20); // 48 MiB > 16 MiB of RAM
  const e = vcpu.run();
  assert.deepEqual(e, { kind: 'mmio', gpa: 0x3000000, size: 4, isWrite: false, value: 0 });
  vcpu.completeRead(0x12345678);
  assert.deepEqual(vcpu.run(), { kind: 'io', port: 0xf4, size: 1, isWrite: true, value: 0x78 });
  assert.throws(() => vm.readMemory(0x3000000, 4), /not guest RAM/);
  vm.destroy();
});

test('port I/O exits carry port, size and value; IN completion merges into RAX', () => {
  const { vm, vcpu } = guest(`mov dx, 0x3f8
mov al, 0x41
out dx, al
mov ax, 0x1234
out 0x80, ax
mov eax, 0xdeadbeef
out dx, eax
mov rax, -1
in al, dx
mov r8, rax
mov rax, -1
in ax, 0x71
mov r9, rax
mov rax, -1
in eax, dx
mov r10, rax
out 0xf4, al`);
  const exits: VcpuExit[] = [];
  const answers = [0x5a, 0xbeef, 0x12345678];
  runUntil(vcpu, isDebugExit, (e) => {
    exits.push(e);
    if (e.kind === 'io' && !e.isWrite) vcpu.completeRead(answers.shift()!);
  });
  assert.deepEqual(exits, [
    { kind: 'io', port: 0x3f8, size: 1, isWrite: true, value: 0x41 },
    { kind: 'io', port: 0x80, size: 2, isWrite: true, value: 0x1234 },
    { kind: 'io', port: 0x3f8, size: 4, isWrite: true, value: 0xdeadbeef },
    { kind: 'io', port: 0x3f8, size: 1, isWrite: false, value: 0 },
    { kind: 'io', port: 0x71, size: 2, isWrite: false, value: 0 },
    { kind: 'io', port: 0x3f8, size: 4, isWrite: false, value: 0 },
  ]);
  const r = vcpu.getRegs().gpr;
  assert.equal(r.r8, 0xffffffffffffff5an);
  assert.equal(r.r9, 0xffffffffffffbeefn);
  assert.equal(r.r10, 0x12345678n); // 32-bit IN zero-extends
  vm.destroy();
});

test('run() before completing a read is a VMM error', () => {
  const { vm, vcpu } = guest('in al, 0x60\nout 0xf4, al');
  assert.equal(vcpu.run().kind, 'io');
  assert.throws(() => vcpu.run(), { name: 'VcpuUsageError' });
  assert.throws(() => vcpu.completeRead(1.5), { name: 'VcpuUsageError' });
  vm.destroy();
});

test('REP OUTSB / REP INSB move one element per exit through the guest page tables', () => {
  const { vm, vcpu } = guest(`lea rsi, [rel msg]
mov ecx, 3
mov dx, 0xe9
rep outsb
mov rdi, ${FIX.DATA}
mov ecx, 2
rep insb
mov r8, rcx
mov r9, rdi
out 0xf4, al
msg: db "hi!"`);
  const out: number[] = [];
  let n = 0;
  runUntil(vcpu, isDebugExit, (e) => {
    if (e.kind !== 'io') return;
    if (e.isWrite) out.push(e.value); else vcpu.completeRead(0x61 + n++);
  });
  assert.equal(String.fromCharCode(...out), 'hi!');
  assert.deepEqual([...vm.readMemory(FIX.DATA, 3)], [0x61, 0x62, 0]);
  const r = vcpu.getRegs().gpr;
  assert.equal(r.r8, 0n);
  assert.equal(r.r9, BigInt(FIX.DATA + 2));
  vm.destroy();
});

test('MMIO to a device region is emulated: MOV forms, immediates, MOVZX/MOVSX, 8-byte split', () => {
  const { vm, vcpu } = guest(`mov rbx, 0xd0000000
mov ecx, 0xcafef00d
mov dword [rbx], 0x11223344
mov [rbx+4], ecx
mov ah, 0x77
mov [rbx+1], ah
mov word [rbx+2], 0xbeef
mov al, [rbx+8]
mov r8, rax
movzx r9d, word [rbx+0x10]
movsx r10, byte [rbx+0x18]
mov r11, [rbx+0x20]
mov rsi, 0x0102030405060708
mov [rbx+0x28], rsi
mov qword [rbx+0x30], -2
mov r12, -1
mov r12d, [rbx+0x40]
out 0xf4, al`);
  const seen: VcpuExit[] = [];
  const reads = [0xab, 0x8001, 0x80, 0x55667788, 0x99aabbcc, 0x01020304];
  runUntil(vcpu, isDebugExit, (e) => {
    seen.push(e);
    if (e.kind === 'mmio' && !e.isWrite) vcpu.completeRead(reads.shift()!);
  });
  const B = 0xd0000000;
  const w = (off: number, size: 1 | 2 | 4, value: number) => ({ kind: 'mmio', gpa: B + off, size, isWrite: true, value });
  const rd = (off: number, size: 1 | 2 | 4) => ({ kind: 'mmio', gpa: B + off, size, isWrite: false, value: 0 });
  assert.deepEqual(seen, [
    w(0, 4, 0x11223344), w(4, 4, 0xcafef00d), w(1, 1, 0x77), w(2, 2, 0xbeef),
    rd(8, 1), rd(0x10, 2), rd(0x18, 1), rd(0x20, 4), rd(0x24, 4),
    w(0x28, 4, 0x05060708), w(0x2c, 4, 0x01020304), w(0x30, 4, 0xfffffffe), w(0x34, 4, 0xffffffff),
    rd(0x40, 4),
  ]);
  const r = vcpu.getRegs().gpr;
  assert.equal(r.r8 & 0xffffn, 0x77abn); // AL merged, AH kept
  assert.equal(r.r9, 0x8001n);
  assert.equal(r.r10, 0xffffffffffffff80n);
  assert.equal(r.r11, 0x99aabbcc55667788n);
  assert.equal(r.r12, 0x01020304n);
  assert.equal(vcpu.stats().mmioEmulated, 14 - 3); // each of the three 8-byte accesses: one emulation, two exits
  vm.destroy();
});

test('an instruction the MMIO emulator does not know ends the VM with its bytes', () => {
  const { vm, vcpu } = guest('mov rbx, 0xd0000000\nadd dword [rbx], 1\nout 0xf4, al');
  const e = vcpu.run();
  assert.equal(e.kind, 'internal-error');
  if (e.kind === 'internal-error') {
    assert.match(e.reason, /unhandled MMIO instruction/);
    assert.deepEqual(e.bytes?.slice(0, 3), [0x83, 0x03, 0x01]);
  }
  assert.equal(vcpu.run().kind, 'internal-error'); // stays dead
  vm.destroy();
});

test('CPUID: hypervisor bit, TSC-deadline, APIC ID, no SVM, our signature', () => {
  const { vm, vcpu } = guest(`mov eax, 1
cpuid
mov [${FIX.DATA}], ebx
mov [${FIX.DATA + 4}], ecx
mov eax, 0x80000001
cpuid
mov [${FIX.DATA + 8}], ecx
mov eax, 0x40000000
cpuid
mov [${FIX.DATA + 12}], eax
mov [${FIX.DATA + 16}], ebx
mov [${FIX.DATA + 20}], ecx
mov [${FIX.DATA + 24}], edx
mov eax, 0x8000000a
cpuid
mov [${FIX.DATA + 28}], edx
out 0xf4, al`);
  runUntil(vcpu, isDebugExit);
  const b = vm.readMemory(FIX.DATA, 32), dv = new DataView(b.buffer);
  assert.equal(dv.getUint32(0, true) >>> 24, 0, 'APIC ID 0');
  const ecx1 = dv.getUint32(4, true);
  assert.equal((ecx1 >>> 31) & 1, 1, 'HYPERVISOR');
  assert.equal((ecx1 >>> 24) & 1, 1, 'TSC_DEADLINE');
  assert.equal((ecx1 >>> 21) & 1, 0, 'no x2APIC');
  assert.equal((dv.getUint32(8, true) >>> 2) & 1, 0, 'no SVM');
  assert.equal(dv.getUint32(12, true), 0x40000010);
  assert.equal(Buffer.from(b.subarray(16, 28)).toString('latin1'), 'TsvisorTsvis');
  assert.equal(dv.getUint32(28, true), 0, 'no SVM features');
  assert.equal(vcpu.stats().exits.CPUID, 4);
  vm.destroy();
});

test('MSRs: EFER hides SVME, TSC writes move only the guest clock, unknown x2APIC MSRs #GP', () => {
  const { vm, vcpu } = guest(`${gate(13, 'gp')}
mov ecx, 0xc0000080
rdmsr
mov [${FIX.DATA}], eax
mov ecx, 0x10
xor eax, eax
mov edx, 1
wrmsr
rdtsc
mov [${FIX.DATA + 4}], edx
mov ecx, 0x802
rdmsr
mov dword [${FIX.DATA + 8}], 0xbad
out 0xf4, al
gp: mov dword [${FIX.DATA + 8}], 0x600d
out 0xf4, al`);
  runUntil(vcpu, isDebugExit);
  const dv = new DataView(vm.readMemory(FIX.DATA, 12).buffer);
  assert.equal(dv.getUint32(0, true), 0x501, 'EFER as the guest set it, without SVME');
  assert.equal(dv.getUint32(4, true), 1, 'TSC high dword after writing 1:0');
  assert.ok(vcpu.guestTimeNs() >= 2 ** 32, 'the LAPIC clock follows the guest TSC');
  assert.equal(dv.getUint32(8, true), 0x600d, '#GP delivered');
  assert.equal(vcpu.stats().guestErrors, 1);
  vm.destroy();
});

test('a triple fault is a clean shutdown exit', () => {
  const { vm, vcpu } = guest('ud2');
  vcpu.setBootState({ ...bootState64(), idt: { base: 0, limit: 0 } });
  assert.deepEqual(vcpu.run(), { kind: 'shutdown', reason: 'triple fault' });
  assert.equal(vcpu.stats().exits.SHUTDOWN, 1);
  vm.destroy();
});

test('bad configurations and boot states give typed errors', () => {
  const acc = new SoftAccelerator();
  assert.throws(() => acc.createVm({ memoryBytes: 1000 }), { name: 'VmConfigError' });
  assert.throws(() => acc.createVm({ memoryBytes: 8 << 30 }), { name: 'VmConfigError' });
  assert.throws(() => acc.createVm({ memoryBytes: 1 << 20, ramRegions: [{ gpa: 0, size: 4096 }] }), { name: 'VmConfigError' });
  const vm = acc.createVm({ memoryBytes: 1 << 20 });
  const vcpu = vm.createVcpu(0);
  assert.throws(() => vm.createVcpu(0), RangeError);
  const bs = bootState64();
  assert.throws(() => vcpu.setBootState({ ...bs, rip: 2 ** 60 }), { name: 'BootStateError' });
  assert.throws(() => vcpu.setBootState({ ...bs, efer: 0x1501 }), { name: 'BootStateError' });
  assert.throws(() => vcpu.setBootState({ ...bs, gpr: { rxx: 1 } as never }), { name: 'BootStateError' });
  // A state VMRUN refuses (EFER.LME with paging but no PAE) is an internal error, not a crash.
  vcpu.setBootState({ ...bs, cr4: 0 });
  const e = vcpu.run();
  assert.equal(e.kind, 'internal-error');
  vm.destroy();
});

test('32-bit protected-mode entry (multiboot style) runs', () => {
  const [code] = assemble(['mov eax, 0x2badb002\nmov [0x200000], eax\nmov al, 7\nout 0xf4, al'], 32);
  const vm = new SoftAccelerator().createVm({ memoryBytes: 4 << 20 });
  const vcpu = vm.createVcpu(0);
  vm.writeMemory(0x100000, code);
  const flat = (attrib: number, selector: number) => ({ selector, base: 0, limit: 0xffffffff, attrib });
  vcpu.setBootState({ rip: 0x100000, cr0: 0x11, cs: flat(0xc9b, 0x08), ds: flat(0xc93, 0x10), ss: flat(0xc93, 0x10), gpr: { rbx: 0x9000 } });
  assert.deepEqual(runUntil(vcpu, isDebugExit), { kind: 'io', port: 0xf4, size: 1, isWrite: true, value: 7 });
  assert.equal(new DataView(vm.readMemory(0x200000, 4).buffer).getUint32(0, true), 0x2badb002);
  vm.destroy();
});
