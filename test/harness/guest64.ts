// A 64-bit guest for tests and benchmarks: runs a code snippet in long mode under VMRUN
// with nested paging, the way a hypervisor would. Layout (guest-physical = guest-virtual):
//   gPA 0x1000-0x3fff  guest PML4/PDPT/PD (identity map of the first 1 GiB, 2 MiB pages)
//   gPA 0x4000         GDT: null, 0x08 64-bit code, 0x10 data
//   gPA 0x10000000     DATA_SIZE bytes of data (RSP may point here)
//   gPA 0x20000000     the code, followed by VMMCALL (intercepted: exit 81h)
// Nested page tables map exactly those guest pages; anything else is an NPF exit.
import { Cpu } from '../../src/cpu/cpu';
import { PhysMem } from '../../src/cpu/phys-mem';
import { VMCB } from '../../src/cpu/svm/vmcb-layout';
import { RAX, RSP } from '../../src/cpu/regs';

export const CODE_VA = 0x20000000, DATA_VA = 0x10000000, DATA_SIZE = 65536;
const HOST_MEM = 8 << 20;
const VMCB_HPA = 0x0000, IOPM_HPA = 0x2000, MSRPM_HPA = 0x5000, NPT_HPA = 0x10000;
const LOW_HPA = 0x100000, DATA_HPA = 0x200000, CODE_HPA = 0x300000;
const CODE_MAX = 0x10000;

export interface GuestResult {
  exitCode: number;
  exitInfo1: bigint;
  exitInfo2: bigint;
  /** GPRs after the exit (RAX/RSP from the VMCB, the rest from the CPU as the hypervisor would see them). */
  gpr: BigUint64Array;
  rflags: bigint;
  rip: bigint;
}

export class Guest64 {
  readonly mem = new PhysMem(HOST_MEM);
  readonly cpu = new Cpu(this.mem);
  private nptNext = NPT_HPA;
  readonly vmcb = VMCB_HPA;

  constructor() {
    this.buildNestedTables();
    this.buildGuestTables();
  }

  private allocNpt(): number {
    const p = this.nptNext;
    this.nptNext += 0x1000;
    this.mem.fill(p, 0x1000, 0);
    return p;
  }
  /** Map one guest-physical 4 KiB page to a host-physical page in the nested tables. */
  mapNested(gpa: number, hpa: number, writable = true, executable = true): void {
    let table = this.nptRoot;
    for (let level = 3; level > 0; level--) {
      const idx = Math.floor(gpa / 2 ** (12 + 9 * level)) % 512;
      const e = table + idx * 8;
      let lo = this.mem.read32(e);
      if ((lo & 1) === 0) {
        const t = this.allocNpt();
        this.mem.write32(e, t | 7);
        this.mem.write32(e + 4, 0);
        lo = t | 7;
      }
      table = lo & ~0xfff;
    }
    const e = table + (Math.floor(gpa / 4096) % 512) * 8;
    this.mem.write32(e, hpa | 5 | (writable ? 2 : 0));
    this.mem.write32(e + 4, executable ? 0 : 0x80000000 | 0);
  }
  private nptRoot = 0;
  private buildNestedTables(): void {
    this.nptRoot = this.allocNpt();
    for (let p = 0; p < 0x10000; p += 0x1000) this.mapNested(p, LOW_HPA + p);
    for (let p = 0; p < DATA_SIZE; p += 0x1000) this.mapNested(DATA_VA + p, DATA_HPA + p);
    for (let p = 0; p < CODE_MAX; p += 0x1000) this.mapNested(CODE_VA + p, CODE_HPA + p);
  }
  private buildGuestTables(): void {
    const m = this.mem;
    m.write32(LOW_HPA + 0x1000, 0x2000 | 7);
    m.write32(LOW_HPA + 0x2000, 0x3000 | 7);
    for (let i = 0; i < 512; i++) {
      m.write32(LOW_HPA + 0x3000 + i * 8, (i << 21) | 0x87);
      m.write32(LOW_HPA + 0x3000 + i * 8 + 4, 0);
    }
    // GDT
    m.write32(LOW_HPA + 0x4008, 0x0000ffff); m.write32(LOW_HPA + 0x400c, 0x00af9b00);
    m.write32(LOW_HPA + 0x4010, 0x0000ffff); m.write32(LOW_HPA + 0x4014, 0x00cf9300);
  }

  /** Put code (a VMMCALL is appended) and data in place and prepare the VMCB. */
  load(code: Uint8Array, data?: Uint8Array): void {
    if (code.length + 3 > CODE_MAX) throw new RangeError('code too large');
    const m = this.mem;
    m.fill(CODE_HPA, CODE_MAX, 0xcc);
    m.writeBytes(CODE_HPA, code);
    m.writeBytes(CODE_HPA + code.length, [0x0f, 0x01, 0xd9]);
    if (data) m.writeBytes(DATA_HPA, data.subarray(0, DATA_SIZE)); else m.fill(DATA_HPA, DATA_SIZE, 0);
    this.setupVmcb();
  }

  private setupVmcb(): void {
    const m = this.mem, v = VMCB_HPA;
    m.fill(v, 0x1000, 0);
    m.fill(IOPM_HPA, 0x3000, 0xff);
    m.fill(MSRPM_HPA, 0x2000, 0xff);
    m.write32(v + VMCB.INTERCEPT_EXCEPTIONS, -1);
    m.write32(v + VMCB.INTERCEPT_WORD3, (1 << 0) | (1 << 24) | (1 << 27) | (1 << 28) | (1 << 31)); // INTR HLT IOIO MSR SHUTDOWN
    m.write32(v + VMCB.INTERCEPT_WORD4, 0x3f); // VMRUN VMMCALL VMLOAD VMSAVE STGI CLGI
    m.write32(v + VMCB.IOPM_BASE_PA, IOPM_HPA);
    m.write32(v + VMCB.MSRPM_BASE_PA, MSRPM_HPA);
    m.write32(v + VMCB.GUEST_ASID, 1);
    m.write32(v + VMCB.MISC_CTL1, 1);
    m.write32(v + VMCB.N_CR3, this.nptRoot);
    m.write32(v + VMCB.V_INTR, 1 << 24);
    const seg = (base: number, sel: number, attr: number) => {
      m.write16(v + base, sel); m.write16(v + base + 2, attr); m.write32(v + base + 4, -1);
    };
    seg(VMCB.CS_SELECTOR, 0x08, 0x29b);
    for (const s of [VMCB.SS_SELECTOR, VMCB.DS_SELECTOR, VMCB.ES_SELECTOR, VMCB.FS_SELECTOR, VMCB.GS_SELECTOR]) seg(s, 0x10, 0xc93);
    m.write32(v + VMCB.GDTR_BASE, 0x4000); m.write32(v + VMCB.GDTR_LIMIT, 23);
    m.write32(v + VMCB.IDTR_LIMIT, 0);
    m.write32(v + VMCB.CR0, 0x80010031 | 0);
    m.write32(v + VMCB.CR3, 0x1000);
    m.write32(v + VMCB.CR4, 0x620);
    m.write32(v + VMCB.EFER, 0x1d01);
    m.write32(v + VMCB.RFLAGS, 2);
    m.write32(v + VMCB.RIP, CODE_VA);
    m.write32(v + VMCB.DR7, 0x400);
    m.write32(v + VMCB.G_PAT, 0x00070406); m.write32(v + VMCB.G_PAT + 4, 0x00070406);
    this.cpu.vmload(v);
  }

  /** Set a GPR (RAX and RSP go to the VMCB, the others to the CPU, as a hypervisor does). */
  setReg(r: number, value: bigint): void {
    const lo = Number(value & 0xffffffffn) | 0, hi = Number((value >> 32n) & 0xffffffffn) | 0;
    if (r === RAX || r === RSP) {
      const off = r === RAX ? VMCB.RAX : VMCB.RSP;
      this.mem.write32(this.vmcb + off, lo); this.mem.write32(this.vmcb + off + 4, hi);
    } else this.cpu.setReg64(r, lo, hi);
  }
  setRflags(v: bigint): void {
    this.mem.write32(this.vmcb + VMCB.RFLAGS, Number(v & 0xffffffffn) | 0);
  }

  run(budget = 10_000_000): GuestResult {
    const m = this.mem, v = this.vmcb;
    this.cpu.vmrun(v, budget);
    const u64 = (off: number) => (BigInt(m.read32(v + off + 4) >>> 0) << 32n) | BigInt(m.read32(v + off) >>> 0);
    const gpr = new BigUint64Array(16);
    for (let r = 0; r < 16; r++) {
      gpr[r] = r === RAX ? u64(VMCB.RAX) : r === RSP ? u64(VMCB.RSP)
        : (BigInt(this.cpu.gpr[2 * r + 1] >>> 0) << 32n) | BigInt(this.cpu.gpr[2 * r] >>> 0);
    }
    return {
      exitCode: m.read32(v + VMCB.EXITCODE),
      exitInfo1: u64(VMCB.EXITINFO1),
      exitInfo2: u64(VMCB.EXITINFO2),
      gpr,
      rflags: u64(VMCB.RFLAGS),
      rip: u64(VMCB.RIP),
    };
  }

  /** Guest data area (host view). */
  data(): Uint8Array {
    return this.mem.u8.subarray(DATA_HPA, DATA_HPA + DATA_SIZE);
  }
}
