// A small 64-bit guest for tests of accel/ back ends: identity-mapped long mode, a GDT and an
// IDT whose entries the guest fills itself. Guest-physical layout:
//   0x1000 PML4, 0x2000 PDPT, 0x10000-0x13fff PDs (first 4 GiB, 2 MiB pages), 0x4000 GDT,
//   0x5000 IDT, 0x8000 top of stack, 0x100000 code, 0x200000 data.
import type { BootState, Vcpu, VcpuExit, Vm } from './accel';

export const FIX = { IDT: 0x5000, STACK: 0x8000, CODE: 0x100000, DATA: 0x200000 } as const;

/** Writes the page tables and GDT, the code, and sets the boot state of vCPU `vcpu`. */
export function loadGuest64(vm: Vm, vcpu: Vcpu, code: Uint8Array): void {
  const u64 = (vals: bigint[]) => { const b = new Uint8Array(vals.length * 8); const dv = new DataView(b.buffer); vals.forEach((v, i) => dv.setBigUint64(i * 8, v, true)); return b; };
  vm.writeMemory(0x1000, u64([0x2000n | 7n]));
  vm.writeMemory(0x2000, u64([0x10000n | 7n, 0x11000n | 7n, 0x12000n | 7n, 0x13000n | 7n]));
  vm.writeMemory(0x10000, u64(Array.from({ length: 2048 }, (_, i) => (BigInt(i) << 21n) | 0x87n)));
  vm.writeMemory(0x4000, u64([0n, 0x00af9b000000ffffn, 0x00cf93000000ffffn]));
  vm.writeMemory(FIX.CODE, code);
  vcpu.setBootState(bootState64());
}

export function bootState64(): BootState {
  const data = { selector: 0x10, base: 0, limit: 0xffffffff, attrib: 0xc93 };
  return {
    rip: FIX.CODE, gpr: { rsp: FIX.STACK }, rflags: 2,
    cr0: 0x80050033, cr3: 0x1000, cr4: 0x6a0, efer: 0x501,
    cs: { selector: 0x08, base: 0, limit: 0xffffffff, attrib: 0xa9b }, ds: data, es: data, ss: data, fs: data, gs: data,
    gdt: { base: 0x4000, limit: 23 }, idt: { base: FIX.IDT, limit: 0xfff },
  };
}

/** nasm source: install a 64-bit interrupt gate for `vector` pointing at `label` (clobbers rax, rdi). */
export function gate(vector: number, label: string): string {
  return `lea rax, [rel ${label}]
mov rdi, ${FIX.IDT + vector * 16}
mov [rdi], ax
mov word [rdi+2], 0x08
mov word [rdi+4], 0x8e00
shr rax, 16
mov [rdi+6], ax
shr rax, 16
mov [rdi+8], eax
mov dword [rdi+12], 0`;
}

/**
 * Runs until an exit `stop` accepts, answering halts by waiting (busy, short) for the deadline
 * and slices by continuing. With `onExit` it must answer reads; without, reads get all ones. Throws after `wallMs`.
 */
export function runUntil(vcpu: Vcpu, stop: (e: VcpuExit) => boolean, onExit?: (e: VcpuExit) => void, wallMs = 5000): VcpuExit {
  const answers = onExit !== undefined; // else reads are answered with all ones
  const end = performance.now() + wallMs;
  for (;;) {
    if (performance.now() > end) throw new Error('guest did not finish in time');
    const e = vcpu.run();
    if (stop(e)) return e;
    onExit?.(e);
    if (e.kind === 'halt') {
      if (e.untilNs === null) throw new Error('guest halted with no timer armed');
      while (vcpu.guestTimeNs() < e.untilNs && performance.now() < end) { /* wait for the deadline */ }
    } else if (e.kind === 'shutdown' || e.kind === 'internal-error') throw new Error(`guest died: ${JSON.stringify(e)}`);
    else if ((e.kind === 'io' || e.kind === 'mmio') && !e.isWrite && !answers) vcpu.completeRead(0xffffffff);
  }
}

export const isDebugExit = (e: VcpuExit) => e.kind === 'io' && e.port === 0xf4;
