// The processor: architectural state of one x86-64 core with AMD-V (APM Vol.2 ch.15).
// State only; behaviour lives in the modules named beside each group of fields.
// Registers are typed arrays; 64-bit values are int32 pairs (lo, hi).
import { PhysMem } from './phys-mem';
import { Tlb } from './tlb';
import { DecodeCache } from './decode-cache';
import { CpuidModel } from './cpuid';
import { FpuState } from './fpu-state';
import { LAZY_NONE } from './flags';
import { vmrun as svmVmrun } from './svm/vmrun';
import { clgi as svmClgi, invlpga as svmInvlpga, stgi as svmStgi, vmload as svmVmload, vmsave as svmVmsave } from './svm/host-instructions';
import { registerAll } from './isa';
import { ATTR_DB, ATTR_L, ATTR_P, ATTR_S, CR0_PE, EFER_LMA, FLAGS_FIXED1, VM } from './regs';

registerAll();

/** fetchRipLo of an empty fetch window: above every RIP, so no RIP is inside it. */
export const NO_WINDOW = 2 ** 60;

export class Cpu {
  readonly mem: PhysMem;

  // --- General-purpose registers: gpr[2n] low, gpr[2n+1] high (regs.ts numbering).
  readonly gpr = new Int32Array(32);
  /** RIP as an exact JS number: signed canonical in 64-bit mode, else 0..2^32-1. */
  rip = 0;
  /** RIP of the instruction being executed (faults restart here). */
  instrStart = 0;

  // --- RFLAGS, lazy (flags.ts). `flags` holds every bit; arithmetic bits are stale while lop != LAZY_NONE.
  flags = FLAGS_FIXED1;
  lop = LAZY_NONE;
  lsz = 4;
  lresLo = 0; lresHi = 0;
  laLo = 0; laHi = 0;
  lbLo = 0; lbHi = 0;
  lcf = 0;

  // --- Segments (segments.ts). Attributes in VMCB attrib format (svm.md section 4).
  readonly segSel = new Int32Array(6);
  readonly segBaseLo = new Int32Array(6);
  readonly segBaseHi = new Int32Array(6);
  /** Byte-granular limit, unsigned in an int32 (compare with >>> 0). */
  readonly segLimit = new Int32Array(6).fill(0xffff);
  readonly segAttr = new Int32Array(6).fill(ATTR_P | ATTR_S | 3);
  ldtrSel = 0; ldtrBaseLo = 0; ldtrBaseHi = 0; ldtrLimit = 0; ldtrAttr = 0;
  trSel = 0; trBaseLo = 0; trBaseHi = 0; trLimit = 0xffff; trAttr = 0x8b;
  gdtrBaseLo = 0; gdtrBaseHi = 0; gdtrLimit = 0xffff;
  idtrBaseLo = 0; idtrBaseHi = 0; idtrLimit = 0xffff;
  cpl = 0;
  /** Per segment: bit 0 reads, bit 1 writes need no limit/type check (usable, expand-up, 4 GiB limit). */
  readonly segFast = new Uint8Array(6);

  // --- Control, debug and model-specific registers (system/).
  cr0 = 0x60000010;
  cr2Lo = 0; cr2Hi = 0;
  cr3Lo = 0; cr3Hi = 0;
  cr4 = 0;
  efer = 0;
  xcr0 = 1;
  /** DR0-DR7 as pairs: dr[2n], dr[2n+1]. */
  readonly dr = new Int32Array(16);
  starLo = 0; starHi = 0;
  lstarLo = 0; lstarHi = 0;
  cstarLo = 0; cstarHi = 0;
  sfmask = 0;
  kernelGsBaseLo = 0; kernelGsBaseHi = 0;
  sysenterCs = 0;
  sysenterEspLo = 0; sysenterEspHi = 0;
  sysenterEipLo = 0; sysenterEipHi = 0;
  tscAux = 0;
  patLo = 0x00070406; patHi = 0x00070406;
  /** Other MSRs the model keeps but gives no meaning (e.g. MTRRs), keyed by number. */
  readonly msrStore = new Map<number, bigint>();
  /** Time-stamp counter base: guest TSC = host TSC + tscOffset. */
  tscOffset = 0;

  // --- x87, MMX, SSE (fpu-state.ts, isa/sse*.ts, isa/x87*.ts).
  readonly fpu = new FpuState();
  /** XMM0-15, four int32 lanes each: xmm[4n..4n+3], lane 0 least significant. */
  readonly xmm = new Int32Array(64);
  mxcsr = 0x1f80;

  // --- Decoded-instruction scratch (decoder.ts), valid while an instruction executes.
  nextRip = 0;
  opSize = 4;
  adSize = 4;
  /** REX byte (0x40-0x4F) or 0. */
  rex = 0;
  /** Segment override (ES..GS) or -1. */
  segOverride = -1;
  /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE): the last of them, as the CPU uses it. */
  repPrefix = 0;
  /** Mandatory-prefix view for SSE: 0, 0x66, 0xF2, 0xF3. */
  simdPrefix = 0;
  lock = false;
  opcode = 0;
  modrm = 0;
  /** ModRM.mod */
  mod = 0;
  /** ModRM.reg extended by REX.R (register operand G). */
  regG = 0;
  /** ModRM.rm extended by REX.B (register operand E when mod == 3). */
  regE = 0;
  /** Effective address (offset in eaSeg) of a memory operand. */
  eaLo = 0; eaHi = 0; eaSeg = 3;
  immLo = 0; immHi = 0;
  /** Second immediate (ENTER level, far pointer selector). */
  imm2 = 0;
  /** Scratch high half returned by 64-bit readers. */
  tHi = 0;

  // --- Mode, derived from CR0/EFER/CS/RFLAGS by updateMode().
  mode64 = false;
  /** CS.D (default operand and address size 32) outside 64-bit mode. */
  code32 = false;
  /** SS.B: 32-bit stack pointer (ESP) outside 64-bit mode. */
  stack32 = false;
  protectedMode = false;
  v86 = false;

  // --- Memory management (mmu.ts, paging.ts).
  readonly tlb = new Tlb();
  readonly dcache: DecodeCache;
  /** Decode mode for the decode cache: 0 16-bit, 1 32-bit, 2 64-bit. */
  modeKey = 0;
  /** Memory operand as decoded (valid for the current instruction's memory operand): kind
   *  (decode-cache.ts EA_*), base register (-1 none, -2 disp32 only; the 16-bit form for EA_16), index, scale, displacement. */
  eaKind = 0; eaBase = -1; eaIndex = -1; eaScale = 0; eaDisp = 0;
  /** Current ASID (0 = host). */
  asid = 0;
  /** Host-physical page of the current instruction fetch window and its linear page. */
  fetchHpa = 0;
  /** RIP range [fetchRipLo, fetchRipEnd) readable from the fetch window; empty is [NO_WINDOW, 0) (RIPs may be negative). */
  fetchRipLo = NO_WINDOW; fetchRipEnd = 0;
  /** TLB right needed for a data read / write / fetch at the current CPL (mmu.ts setCpl). */
  rdRight = 1; wrRight = 2; exRight = 4;
  /** ASID << 16, the high part of every TLB tag. */
  asidTag = 0;
  /** Linear address of the last page walk (CR2 / EXITINFO2 on #PF). */
  pfLinLo = 0; pfLinHi = 0;
  /** High half of the last linear address formed (mmu.ts). */
  linHi = 0;
  /** Set while the CPU makes implicit supervisor accesses (descriptor tables, TSS, IDT). */
  implicitSup = false;

  // --- SVM guest mode (svm/). Set by VMRUN from the VMCB, cleared by #VMEXIT.
  guestMode = false;
  vmcbHpa = 0;
  /** Intercept vectors 000h-014h: CR, DR, exceptions, words 3, 4, 5. */
  readonly intercepts = new Int32Array(6);
  iopmHpa = 0;
  msrpmHpa = 0;
  npEnable = false;
  nCr3 = 0;
  /** Nested paging format latched from the host at VMRUN: true = 4-level long mode. */
  nestedLongMode = true;
  vTpr = 0;
  vIrq = false;
  vIntrPrio = 0;
  vIgnTpr = false;
  vIntrMasking = false;
  vIntrVector = 0;
  gif = true;
  /** Host EFER (the TypeScript host runs at CPL 0 in long mode with SVME set). */
  hostEfer = 0x1d00;
  vmHsavePa = 0;
  /** A physical interrupt (end of the host time slice) is pending. */
  physIntr = false;
  /** physIntr || vIrq: the run loop looks between instructions (events.ts). */
  eventPending = false;
  /** The next instruction runs in an STI / MOV SS interrupt shadow. */
  intShadow = false;
  /** Exit being reported; written to the VMCB by #VMEXIT. */
  exitCode = 0;
  exitInfo1Lo = 0; exitInfo1Hi = 0;
  exitInfo2Lo = 0; exitInfo2Hi = 0;
  exitIntInfo = 0; exitIntInfoErr = 0;
  /** Event being delivered (EXITINTINFO if an exit interrupts it): low dword, or 0. */
  deliveringEvent = 0; deliveringErr = 0;

  // --- Pending exception (exceptions.ts).
  excVector = -1;
  excErrorCode = 0;
  excHasError = false;
  /** Event-type of the pending exception for delivery: 3 exception, 4 software INTn. */
  excIsSoftware = false;

  // --- Models and counters.
  readonly cpuid = new CpuidModel();
  instructions = 0;
  halted = false;

  constructor(mem: PhysMem) {
    this.mem = mem;
    this.dcache = new DecodeCache(mem);
    this.segLimit.fill(0xffff);
  }

  /** Recompute the mode fields after a change to CR0, EFER, CS or RFLAGS.VM (APM Vol.2 1.2). */
  updateMode(): void {
    const csAttr = this.segAttr[1];
    this.protectedMode = (this.cr0 & CR0_PE) !== 0;
    this.v86 = this.protectedMode && (this.flags & VM) !== 0;
    this.mode64 = (this.efer & EFER_LMA) !== 0 && (csAttr & ATTR_L) !== 0;
    this.code32 = this.protectedMode && !this.v86 && (csAttr & ATTR_DB) !== 0;
    this.stack32 = this.protectedMode && !this.v86 && (this.segAttr[2] & ATTR_DB) !== 0;
    this.fetchRipLo = NO_WINDOW;
    this.fetchRipEnd = 0;
    this.modeKey = this.mode64 ? 2 : this.code32 ? 1 : 0;
  }

  // --- The host's SVM instructions: the only way in (ARCHITECTURE.md, cpu/).

  /** VMRUN: run the guest of the VMCB at `vmcbHpa` until #VMEXIT; `budget` instructions form one host time slice. */
  vmrun(vmcbHpa: number, budget = 1_000_000): void { svmVmrun(this, vmcbHpa, budget); }
  vmload(vmcbHpa: number): void { svmVmload(this, vmcbHpa); }
  vmsave(vmcbHpa: number): void { svmVmsave(this, vmcbHpa); }
  stgi(): void { svmStgi(this); }
  clgi(): void { svmClgi(this); }
  invlpga(linear: number, asid: number): void { svmInvlpga(this, linear, asid); }

  getReg64Lo(r: number): number { return this.gpr[r << 1]; }
  getReg64Hi(r: number): number { return this.gpr[(r << 1) | 1]; }
  setReg64(r: number, lo: number, hi: number): void { this.gpr[r << 1] = lo; this.gpr[(r << 1) | 1] = hi; }
}
