// Unit tests of the hypervisor's pieces: LAPIC state, MMIO decoder, host/guest memory, ASIDs.
import test = require('node:test');
import assert = require('node:assert/strict');
import { Lapic, type LapicBus } from './lapic';
import { decodeMmioInsn } from './mmio-decode';
import { HostMemory, HostMemoryExhaustedError } from './host-memory';
import { GuestMemory } from './guest-memory';
import { AsidAllocator } from './asid';

function lapic(now = { t: 0 }): { l: Lapic; eois: number[]; now: { t: number } } {
  const eois: number[] = [];
  const bus: LapicBus = { now: () => now.t, levelEoi: (v) => eois.push(v), sendIpi: (f, lo) => f.deliver((lo >> 8) & 7, lo & 0xff, false) };
  const l = new Lapic(bus, 0, true);
  l.write(0xf0, 4, 0x1ff);
  return { l, eois, now };
}

test('LAPIC: priority (PPR vs IRR), EOI of the highest in-service vector, level EOIs reported', () => {
  const { l, eois } = lapic();
  assert.equal(l.read(0x30, 4), 0x50014);
  l.accept(0x31, false); l.accept(0x52, true);
  assert.equal(l.pendingVector(), 0x52);
  l.acknowledge(0x52);
  assert.equal(l.read(0xa0, 4), 0x50, 'PPR = in-service class');
  assert.equal(l.pendingVector(), -1, '0x31 is below the in-service class');
  l.write(0xb0, 4, 0);
  assert.deepEqual(eois, [0x52]);
  assert.equal(l.pendingVector(), 0x31);
  l.write(0x80, 4, 0x40);
  assert.equal(l.pendingVector(), -1, 'TPR masks class 3');
  assert.equal(l.accept(5, false), false, 'vectors below 16 are illegal');
});

test('LAPIC: software-disabled APIC masks LVTs and drops fixed interrupts; self IPI via ICR', () => {
  const { l } = lapic();
  l.write(0x320, 4, 0x40);
  l.write(0xf0, 4, 0xff);
  assert.equal(l.read(0x320, 4) & 0x10000, 0x10000);
  assert.equal(l.accept(0x40, false), false);
  l.write(0xf0, 4, 0x1ff);
  l.write(0x300, 4, 0x40000 | 0x61); // shorthand self, fixed
  assert.equal(l.pendingVector(), 0x61);
});

test('LAPIC timer: divide configuration, current count, one-shot, periodic, mode switch disarms', () => {
  const { l, now } = lapic();
  l.write(0x3e0, 4, 0x3); // divide by 16
  l.write(0x320, 4, 0x40);
  l.write(0x380, 4, 1000);
  assert.equal(l.nextDeadline(), 16000);
  now.t = 8000;
  assert.equal(l.read(0x390, 4), 500);
  now.t = 16000; l.poll(now.t);
  assert.equal(l.pendingVector(), 0x40);
  assert.equal(l.nextDeadline(), Infinity, 'one-shot');
  assert.equal(l.read(0x390, 4), 0);
  l.write(0x320, 4, 0x20041); // periodic
  l.write(0x3e0, 4, 0xb); // divide by 1
  l.write(0x380, 4, 100);
  now.t = 16100; l.poll(now.t);
  assert.equal(l.nextDeadline(), 16200);
  now.t = 19000; l.poll(now.t);
  assert.equal(l.counters.timerCoalesced, 1);
  assert.equal(l.nextDeadline(), 19100);
  l.write(0x320, 4, 0x40041); // TSC-deadline: disarms the count-down
  assert.equal(l.nextDeadline(), Infinity);
  l.writeTscDeadline(50000);
  assert.equal(l.readTscDeadline(), 50000);
  now.t = 50000; l.poll(now.t);
  assert.equal(l.readTscDeadline(), 0);
});

test('LAPIC: APIC_BASE refuses x2APIC and reserved bits; clearing EN resets and lets ExtINT through', () => {
  const { l } = lapic();
  assert.equal(l.acceptsExtInt(), true, 'BSP LINT0 starts as ExtINT');
  assert.equal(l.writeApicBase(0xfee00c00, 0), false);
  assert.equal(l.writeApicBase(0xfee00801, 0), false);
  l.write(0x350, 4, 0x10700);
  assert.equal(l.acceptsExtInt(), false);
  assert.equal(l.writeApicBase(0xfee00000, 0), true);
  assert.equal(l.hwEnabled, false);
  assert.equal(l.acceptsExtInt(), true);
  assert.equal(l.apicBase & 0x100, 0x100, 'BSP bit stays');
});

test('MMIO decoder: lengths, registers, sizes in 64-, 32- and 16-bit code', () => {
  const d = (bytes: number[], bits: 16 | 32 | 64) => decodeMmioInsn(Uint8Array.from(bytes), bits);
  assert.deepEqual(d([0x89, 0x07], 64), { length: 2, isWrite: true, size: 4, reg: 0, highByte: false, regSize: 4, signExtend: false, immLo: 0, immHi: 0 });
  assert.equal(d([0x48, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00], 64)?.length, 8); // mov rax, [rsp+0x100]
  assert.equal(d([0x44, 0x8b, 0x41, 0x10], 64)?.reg, 8); // mov r8d, [rcx+0x10]
  assert.equal(d([0x8b, 0x05, 1, 2, 3, 4], 64)?.length, 6); // RIP-relative
  const imm = d([0x66, 0xc7, 0x43, 0x02, 0xef, 0xbe], 64);
  assert.equal(imm?.size, 2); assert.equal(imm?.immLo, 0xbeef); assert.equal(imm?.length, 6);
  assert.equal(d([0xa1, 0, 0, 0xe0, 0xfe], 32)?.length, 5); // mov eax, [0xfee00000]
  assert.equal(d([0xa1, 0, 0, 0, 0, 0, 0, 0, 0], 64)?.length, 9);
  assert.equal(d([0x8b, 0x47, 0x04], 16)?.size, 2); // mov ax, [bx+4]
  assert.equal(d([0x8b, 0x07], 16)?.length, 2);
  assert.equal(d([0x8b, 0x06, 0x34, 0x12], 16)?.length, 4); // mov ax, [0x1234]
  assert.equal(d([0x01, 0x07], 64), null); // add: not a MMIO form we emulate
  assert.equal(d([0x89, 0xc0], 64), null); // register operand
  assert.equal(d([0x8b], 64), null); // truncated
});

test('host memory: page allocation, contiguous runs, exhaustion is a typed error', () => {
  const h = new HostMemory(16 * 4096);
  const a = h.allocContiguous(3);
  assert.equal(a % 4096, 0);
  assert.notEqual(a, 0, 'host page 0 is never handed out');
  const p = h.allocPage();
  h.mem.write32(p, 7);
  h.freePage(p);
  assert.equal(h.allocPage(), p);
  assert.equal(h.mem.read32(p), 0, 'reused pages are zeroed');
  assert.throws(() => h.allocContiguous(100), HostMemoryExhaustedError);
  assert.throws(() => new HostMemory(2 ** 32), { name: 'HostMemorySizeError' });
});

test('guest memory: writes back pages, reads of untouched pages are zeros and back nothing', () => {
  const h = new HostMemory(64 * 4096);
  const g = new GuestMemory(h, [{ gpa: 0, size: 16 * 4096 }, { gpa: 0x100000, size: 4 * 4096 }]);
  assert.deepEqual([...g.read(0x1ffe, 4)], [0, 0, 0, 0]);
  assert.equal(g.pagesBacked, 0);
  g.write(0x1ffe, Uint8Array.of(1, 2, 3, 4)); // crosses a page boundary
  assert.equal(g.pagesBacked, 2);
  assert.deepEqual([...g.read(0x1ffe, 4)], [1, 2, 3, 4]);
  assert.ok(g.hostPageOf(0x1000) > 0 && g.hostPageOf(0x2000) > 0 && g.hostPageOf(0x3000) === 0);
  assert.throws(() => g.write(0x10000, Uint8Array.of(1)), { name: 'GuestMemoryRangeError' });
  assert.equal(g.hostPageOf(0x80000), -1);
  assert.throws(() => new GuestMemory(h, [{ gpa: 0, size: 8192 }, { gpa: 4096, size: 8192 }]), /overlap/);
});

test('ASIDs: 1..NASID-1, exhaustion, recycled ASIDs must be flushed', () => {
  const a = new AsidAllocator(4);
  const got = [a.alloc(), a.alloc(), a.alloc()];
  assert.deepEqual(got.map((x) => x.asid), [1, 2, 3]);
  assert.ok(got.every((x) => !x.needsFlush));
  assert.throws(() => a.alloc(), { name: 'AsidExhaustedError' });
  a.free(2);
  assert.deepEqual(a.alloc(), { asid: 2, needsFlush: true });
  assert.throws(() => a.free(0), RangeError);
});
