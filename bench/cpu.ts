// `npm run bench -- cpu`: fixed guest loops on tsvisor's CPU (under VMRUN, nested paging)
// and natively on the host, one JSON line per loop:
//   {"bench":NAME,"mips":N,"native_mips":N,...}
// Native time is the difference between two iteration counts, cancelling process start-up.
// Each figure is the best of three runs.
import { assemble64 } from '../test/native/assemble';
import { runNative } from '../test/native/native';
import { Guest64 } from '../test/harness/guest64';
import { RCX, RBX, RSI, RDI } from '../src/cpu/regs';

interface Loop {
  name: string;
  /** Loop body; RCX counts iterations down, RSI points at data. */
  body: string;
  /** Retired instructions per iteration (for MIPS). */
  perIter: number;
  /** Bytes moved per iteration (for MB/s), if meaningful. */
  bytesPerIter?: number;
  /** Register setup for ours and for native (e.g. a TLB-aliasing stride). */
  regs?: { ours: Record<number, bigint>; native: Record<number, bigint> };
  oursIters: number;
  nativeIters: number;
}

const LOOPS: Loop[] = [
  { // shared/reference/loop.asm's 64-bit body: add/xor/load/add/store/xor/store/add/dec/jnz
    name: 'int64-alu', perIter: 10, oursIters: 5_000_000, nativeIters: 20_000_000,
    body: `xor eax, eax
mov ebx, 0x12345678
xor edi, edi
align 16
.l: add rax, rcx
xor rbx, rax
mov rdx, [rsi]
add rdx, rbx
mov [rsi + 8], rdx
xor rdx, rcx
mov [rsi + 16], rdx
add rdi, rdx
dec rcx
jnz .l`,
  },
  {
    name: 'load-store', perIter: 10, oursIters: 5_000_000, nativeIters: 20_000_000,
    body: `align 16
.l: mov rax, [rsi]
mov rdx, [rsi + 64]
mov [rsi + 128], rax
mov [rsi + 192], rdx
mov eax, [rsi + 4096]
mov [rsi + 8192], eax
movzx edx, byte [rsi + 300]
mov [rsi + 12000], dl
dec rcx
jnz .l`,
  },
  {
    name: 'branches', perIter: 8, oursIters: 5_000_000, nativeIters: 20_000_000,
    body: `align 16
.l: test cl, 1
jz .a
add rax, 1
.a: test cl, 2
jnz .b
add rdx, 1
.b: dec rcx
jnz .l`,
  },
  {
    name: 'rep-movs', perIter: 3, bytesPerIter: 16384, oursIters: 200, nativeIters: 20_000,
    body: `align 16
.l: mov r8, rcx
mov ecx, 2048
lea rdi, [rsi + 16384]
push rsi
rep movsq
pop rsi
mov rcx, r8
dec rcx
jnz .l`,
  },
  { // Two pages whose TLB sets collide on our CPU (tlb.ts index): every access misses and walks both dimensions.
    name: 'tlb-miss-walk', perIter: 5, oursIters: 300_000, nativeIters: 20_000_000,
    body: `align 16
.l: mov rax, [rsi]
mov rdx, [rsi + rbx]
add rax, rdx
dec rcx
jnz .l`,
    regs: { ours: { [RBX]: 0x1010000n }, native: { [RBX]: 0x1000n } },
  },
];

function timeOurs(code: Uint8Array, loop: Loop): number {
  const g = new Guest64();
  // Map the aliasing page for the TLB walk (guest-physical 0x11010000 -> a spare host page).
  g.mapNested(0x11010000, 0x700000);
  g.load(code);
  g.setReg(RCX, BigInt(loop.oursIters));
  g.setReg(RSI, 0x10000000n);
  g.setReg(4, 0x1000f000n);
  for (const [r, v] of Object.entries(loop.regs?.ours ?? {})) g.setReg(Number(r), v);
  const t0 = process.hrtime.bigint();
  let r = g.run(50_000_000);
  while (r.exitCode === 0x60) r = g.run(50_000_000);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.exitCode !== 0x81) throw new Error(`${loop.name}: guest ended with exit 0x${(r.exitCode >>> 0).toString(16)}`);
  return s;
}

function timeNative(code: Uint8Array, loop: Loop, iters: number): number {
  const gpr = new Array<bigint>(16).fill(0n);
  gpr[RCX] = BigInt(iters);
  gpr[RSI] = 0x10000000n;
  gpr[4] = 0x1000f000n;
  gpr[RDI] = 0n;
  for (const [r, v] of Object.entries(loop.regs?.native ?? {})) gpr[Number(r)] = v;
  const t0 = process.hrtime.bigint();
  const [res] = runNative([{ code, gpr, rflags: 0n }]);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`${loop.name}: native run ended with signal ${res.status}`);
  return s;
}

export function benchCpu(): void {
  const codes = assemble64(LOOPS.map((l) => l.body));
  LOOPS.forEach((loop, i) => {
    // Best of three runs of each side: the machine is shared, and V8 needs a first run to warm up.
    const ours = Math.min(...[0, 1, 2].map(() => timeOurs(codes[i], loop)));
    const n1 = Math.min(...[0, 1, 2].map(() => timeNative(codes[i], loop, loop.nativeIters)));
    const n0 = Math.min(...[0, 1, 2].map(() => timeNative(codes[i], loop, 1)));
    const nativeS = Math.max(n1 - n0, 1e-6);
    const instrs = loop.oursIters * loop.perIter;
    const line: Record<string, unknown> = {
      bench: loop.name,
      mips: +(instrs / ours / 1e6).toFixed(2),
      native_mips: +((loop.nativeIters * loop.perIter) / nativeS / 1e6).toFixed(1),
    };
    if (loop.bytesPerIter) {
      line.mbps = +((loop.oursIters * loop.bytesPerIter) / ours / 1e6).toFixed(1);
      line.native_mbps = +((loop.nativeIters * loop.bytesPerIter) / nativeS / 1e6).toFixed(1);
    }
    line.ratio_to_native = +((line.mips as number) / (line.native_mips as number)).toFixed(5);
    console.log(JSON.stringify(line));
  });
}
