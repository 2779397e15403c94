// CPUID model (APM Vol.3 Appendix E). The hypervisor may override any leaf per guest.
// Output registers are written into a caller-owned Int32Array(4): EAX, EBX, ECX, EDX.

const key = (leaf: number, sub: number) => `${leaf >>> 0}:${sub >>> 0}`;

function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) | 0;
}

/** Leaves whose sub-leaf (ECX) selects the output. */
const INDEXED_LEAVES = new Set([4, 7, 0xb, 0xd, 0x8000001d]);

export const MAX_PHYS_ADDR_BITS = 40;
export const MAX_LINEAR_ADDR_BITS = 48;
/** Number of ASIDs (CPUID 8000_000A EBX): guest ASIDs are 1..NASID-1. */
export const NASID = 256;

// CPUID 1 EDX: FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2
const STD_EDX = 0x0789fbff;
// CPUID 1 ECX: SSE3(0) SSSE3(9) CX16(13) POPCNT(23) HYPERVISOR is not set: we are the silicon.
const STD_ECX = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 23);
// CPUID 8000_0001 EDX: SYSCALL(11) NX(20) MMXEXT(22) FFXSR(25) RDTSCP(27) LM(29) + mirrored legacy bits.
const EXT_EDX = (STD_EDX & 0x0183f3ff) | (1 << 11) | (1 << 20) | (1 << 22) | (1 << 27) | (1 << 29);
// CPUID 8000_0001 ECX: LAHF/SAHF(0) SVM(2) ABM/LZCNT(5)
const EXT_ECX = (1 << 0) | (1 << 2) | (1 << 5);
// CPUID 8000_000A EDX: NP(0) NRIPS(3) VmcbClean(5) FlushByAsid(6) DecodeAssists(7)
export const SVM_FEATURES = (1 << 0) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7);

export class CpuidModel {
  private readonly leaves = new Map<string, Int32Array>();
  maxStd = 0xd;
  maxExt = 0x8000000a;

  constructor() {
    this.set(0, 0, this.maxStd, str4('Auth'), str4('cAMD'), str4('enti'));
    // Family 17h (Zen), model 1, stepping 1; APIC ID 0, 1 logical CPU, CLFLUSH line 64 bytes.
    this.set(1, 0, 0x00800f11, 0x00010800, STD_ECX, STD_EDX);
    this.set(7, 0, 0, (1 << 7) /* SMEP */ | (1 << 20) /* SMAP */, 0, 0);
    this.set(0xd, 0, 0x3, 0x240, 0x240, 0);
    this.set(0x80000000, 0, this.maxExt, str4('Auth'), str4('cAMD'), str4('enti'));
    this.set(0x80000001, 0, 0x00800f11, 0, EXT_ECX, EXT_EDX);
    const brand = 'tsvisor software x86-64 CPU with AMD-V\0\0\0\0\0\0\0\0\0\0\0';
    for (let i = 0; i < 3; i++) {
      const s = brand.slice(i * 16, i * 16 + 16);
      this.set(0x80000002 + i, 0, str4(s.slice(0, 4)), str4(s.slice(4, 8)), str4(s.slice(8, 12)), str4(s.slice(12, 16)));
    }
    this.set(0x80000005, 0, 0, 0, 0x20080140, 0x20080140);
    this.set(0x80000006, 0, 0, 0, 0x02006140, 0);
    this.set(0x80000008, 0, (MAX_LINEAR_ADDR_BITS << 8) | MAX_PHYS_ADDR_BITS, 0, 0, 0);
    this.set(0x8000000a, 0, 1, NASID, 0, SVM_FEATURES);
  }

  /** Define or override a leaf (sub-leaf matters only for indexed leaves). */
  set(leaf: number, sub: number, eax: number, ebx: number, ecx: number, edx: number): void {
    this.leaves.set(key(leaf, INDEXED_LEAVES.has(leaf >>> 0) ? sub : 0), Int32Array.of(eax, ebx, ecx, edx));
  }

  /** CPUID semantics: out-of-range standard leaves return the highest standard leaf (Intel); AMD returns zeros. We return zeros. */
  query(leaf: number, sub: number, out: Int32Array): void {
    const l = leaf >>> 0;
    const v = this.leaves.get(key(l, INDEXED_LEAVES.has(l) ? sub : 0));
    if (v) out.set(v);
    else out.fill(0);
  }

  has(leaf: number, reg: 0 | 1 | 2 | 3, bit: number): boolean {
    const out = new Int32Array(4);
    this.query(leaf, 0, out);
    return ((out[reg] >>> bit) & 1) === 1;
  }
}
