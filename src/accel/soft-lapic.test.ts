// Interrupts through accel/soft: the LAPIC timer (one-shot, periodic, TSC-deadline) firing into
// a guest with an IDT, HLT as a 'halt until T' exit, the interrupt window, the PIC via ExtINT,
// and IOAPIC-style messages with level-triggered EOIs.
import test = require('node:test');
import assert = require('node:assert/strict');
import { SoftAccelerator } from './soft';
import { FIX, gate, loadGuest64, runUntil, isDebugExit } from './guest-fixture';
import type { Vcpu, Vm } from './accel';
import { assemble } from '../../test/native/assemble';

const TICKS = FIX.DATA; // dword: the guest's tick counter
const VEC = 0x40;

function guest(src: string): { vm: Vm; vcpu: Vcpu } {
  const [code] = assemble([src], 64);
  const vm = new SoftAccelerator().createVm({ memoryBytes: 8 << 20 });
  const vcpu = vm.createVcpu(0);
  loadGuest64(vm, vcpu, code);
  return { vm, vcpu };
}
const ticks = (vm: Vm) => new DataView(vm.readMemory(TICKS, 4).buffer).getUint32(0, true);

// The handler counts and EOIs through the LAPIC MMIO page.
const HANDLER = `tick: push rax
mov rax, 0xfee00000
inc dword [${TICKS}]
mov dword [rax+0xb0], 0
pop rax
iretq`;
const ENABLE_APIC = `${gate(VEC, 'tick')}
mov rbx, 0xfee00000
mov dword [rbx+0xf0], 0x1ff
mov dword [rbx+0x3e0], 0xb`;

test('LAPIC periodic timer: the guest counts ticks at the programmed period, halting in between', () => {
  const PERIOD = 2_000_000; // 2 ms of guest time (1 GHz bus, divide by 1)
  const { vm, vcpu } = guest(`${ENABLE_APIC}
mov dword [rbx+0x320], ${0x20000 | VEC}
mov dword [rbx+0x380], ${PERIOD}
cli
wait: cmp dword [${TICKS}], 5
jae done
sti
hlt
cli
jmp wait
done: mov dword [rbx+0x320], 0x10000
out 0xf4, al
${HANDLER}`);
  const t0 = vcpu.guestTimeNs();
  runUntil(vcpu, isDebugExit);
  const elapsed = vcpu.guestTimeNs() - t0;
  assert.ok(ticks(vm) >= 5, `ticks ${ticks(vm)}`);
  assert.ok(elapsed >= 5 * PERIOD, 'five periods of guest time passed');
  assert.ok(ticks(vm) <= elapsed / PERIOD + 1, `no more ticks than periods: ${ticks(vm)} in ${elapsed} ns`);
  const s = vcpu.stats();
  assert.ok(s.exits.HLT >= 3, `HLT exits: ${s.exits.HLT}`); // the first tick may beat the first HLT
  vm.destroy();
});

test('LAPIC one-shot timer fires once; HLT returns a halt exit with its deadline', () => {
  const { vm, vcpu } = guest(`${ENABLE_APIC}
mov dword [rbx+0x320], ${VEC}
mov dword [rbx+0x380], 50000000
mov eax, [rbx+0x390]
mov [${FIX.DATA + 8}], eax
sti
hlt
mov dword [${FIX.DATA + 4}], 1
hlt
out 0xf4, al
${HANDLER}`);
  // Guest time follows the host clock, so the deadline is checked against the times around
  // the run, not against a fixed margin (a slow or busy machine must not fail this test).
  const before = vcpu.guestTimeNs();
  let e = vcpu.run();
  while (e.kind === 'slice') e = vcpu.run();
  const after = vcpu.guestTimeNs();
  assert.equal(e.kind, 'halt');
  if (e.kind !== 'halt' || e.untilNs === null) return;
  assert.ok(e.untilNs >= before + 50000000 && e.untilNs <= after + 50000000, `deadline ${e.untilNs} not 50 ms after arming (${before}..${after})`);
  assert.equal(e.interruptsMasked, false);
  const cur = new DataView(vm.readMemory(FIX.DATA + 8, 4).buffer).getUint32(0, true);
  assert.ok(cur > 0 && cur <= 50000000, `current count ${cur}`);
  // Not yet due: running again halts again, without entering the guest.
  if (vcpu.guestTimeNs() < e.untilNs - 10000000) assert.equal(vcpu.run().kind, 'halt');
  while (vcpu.guestTimeNs() < e.untilNs) { /* wait */ }
  // Due: the interrupt wakes the guest, which halts again with no timer armed.
  e = vcpu.run();
  assert.deepEqual(e, { kind: 'halt', untilNs: null, interruptsMasked: false });
  assert.equal(ticks(vm), 1);
  vm.destroy();
});

test('TSC-deadline mode: WRMSR 6E0h arms the timer in guest TSC units', () => {
  const { vm, vcpu } = guest(`${ENABLE_APIC}
mov dword [rbx+0x320], ${0x40000 | VEC}
mov ecx, 0x6e0
rdtsc
shl rdx, 32
or rax, rdx
add rax, 20000000
mov rdx, rax
shr rdx, 32
wrmsr
rdmsr
mov [${FIX.DATA + 8}], eax
cli
wait: cmp dword [${TICKS}], 1
jae done
sti
hlt
cli
jmp wait
done: mov ecx, 0x6e0
rdmsr
mov [${FIX.DATA + 12}], eax
out 0xf4, al
${HANDLER}`);
  const t0 = vcpu.guestTimeNs();
  let sawHalt = false;
  runUntil(vcpu, isDebugExit, (e) => {
    if (e.kind === 'halt') { sawHalt = true; assert.ok(e.untilNs !== null && e.untilNs - t0 <= 20_000_000 + 200_000_000, `deadline ${e.untilNs}`); }
  });
  assert.equal(ticks(vm), 1);
  assert.ok(sawHalt, 'HLT before the deadline is reported as a halt');
  assert.ok(vcpu.guestTimeNs() - t0 >= 20_000_000, 'the interrupt came at the deadline, not before');
  const dv = new DataView(vm.readMemory(FIX.DATA, 16).buffer);
  assert.notEqual(dv.getUint32(8, true), 0, 'deadline reads back while armed');
  assert.equal(dv.getUint32(12, true), 0, 'deadline clears when it fires');
  vm.destroy();
});

test('interrupt window: a message arriving while IF=0 is injected right after STI', () => {
  const { vm, vcpu } = guest(`${ENABLE_APIC}
cli
out 0x80, al
mov dword [${FIX.DATA + 4}], 1
sti
nop
mov eax, [${TICKS}]
mov [${FIX.DATA + 8}], eax
out 0xf4, al
${HANDLER}`);
  const e = vcpu.run();
  assert.deepEqual(e, { kind: 'io', port: 0x80, size: 1, isWrite: true, value: 0 });
  vm.deliverInterrupt({ vector: VEC, dest: 0, logical: false, mode: 0, level: false });
  runUntil(vcpu, isDebugExit);
  const dv = new DataView(vm.readMemory(FIX.DATA, 12).buffer);
  assert.equal(dv.getUint32(8, true), 1, 'taken after STI + one instruction');
  assert.equal(vcpu.stats().exits.VINTR, 1);
  vm.destroy();
});

test('level-triggered messages report their EOI; wrong destinations are not delivered', () => {
  const { vm, vcpu } = guest(`${ENABLE_APIC}
sti
out 0x80, al
out 0x80, al
out 0xf4, al
${HANDLER}`);
  const eois: number[] = [];
  vm.onLevelEoi((v) => eois.push(v));
  assert.equal(vcpu.run().kind, 'io');
  vm.deliverInterrupt({ vector: 0x51, dest: 7, logical: false, mode: 0, level: true }); // APIC ID 7: nobody
  assert.equal(vcpu.run().kind, 'io');
  vm.deliverInterrupt({ vector: VEC, dest: 0, logical: false, mode: 0, level: true });
  runUntil(vcpu, isDebugExit);
  assert.equal(ticks(vm), 1);
  assert.deepEqual(eois, [VEC]);
  vm.destroy();
});

test('the 8259 delivers through LINT0 ExtINT (the reset state of the BSP)', () => {
  const { vm, vcpu } = guest(`${gate(0x20, 'irq0')}
sti
wait: cmp dword [${TICKS}], 2
jb wait
out 0xf4, al
irq0: inc dword [${TICKS}]
iretq`);
  let pending = 2;
  vm.setExternalInterrupts({ hasExtInt: () => pending > 0, ackExtInt: () => { pending--; return 0x20; } });
  runUntil(vcpu, isDebugExit);
  assert.equal(ticks(vm), 2);
  assert.equal(pending, 0);
  vm.destroy();
});
