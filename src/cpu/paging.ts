// Address translation on a TLB miss: the guest page walk (APM Vol.2 5.3-5.5: 32-bit,
// PAE, 4-level long mode) and, with NP_ENABLE, the nested walk of every guest-physical
// address it produces (APM Vol.2 15.25, svm.md section 12). Fills the TLB and
// returns the host-physical address of the byte, or raises #PF / #VMEXIT(NPF).
import type { Cpu } from './cpu';
import { raisePF, vmexit } from './exceptions';
import {
  AC, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_NXE,
  PFEC_I, PFEC_P, PFEC_RSV, PFEC_U, PFEC_W,
} from './regs';
import {
  TLB_GLOBAL, TLB_LARGE_2M, TLB_LARGE_4M, TLB_R_SUP, TLB_R_USR, TLB_W_SUP, TLB_W_USR, TLB_X_SUP, TLB_X_USR,
} from './tlb';
import { MAX_PHYS_ADDR_BITS } from './cpuid';
import { SvmExit } from './svm/exit-codes';


export const ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2;

const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
const TWO32 = 0x100000000;
/** Bits 51:MAXPHYADDR of an entry's high dword must be zero (reserved). */
const HI_RSVD = (~((1 << (MAX_PHYS_ADDR_BITS - 32)) - 1) & 0x000fffff) | 0;
const NX_HI = 0x80000000 | 0;

/** Result of the last walk (avoids allocating): host-physical page and rights. */
let walkRights = 0;

/** Reads an 8-byte table entry at host-physical `hpa` into entLo/entHi. */
let entLo = 0, entHi = 0;
function readEntry64(c: Cpu, hpa: number): void {
  entLo = c.mem.read32(hpa);
  entHi = c.mem.read32(hpa + 4);
}

/**
 * Nested walk: guest-physical -> host-physical (4-level, the host's long-mode format).
 * `tableAccess` marks accesses made for the guest's own page walk (EXITINFO1 bit 33).
 * Nested accesses are user accesses (svm.md section 12).
 */
export function nestedTranslate(c: Cpu, gpa: number, access: number, tableAccess: boolean): number {
  let table = c.nCr3 - (c.nCr3 % 4096);
  const gpaHi = Math.floor(gpa / TWO32);
  let writable = true, executable = true;
  for (let level = 3; level >= 0; level--) {
    const shift = 12 + 9 * level;
    const idx = Math.floor(gpa / 2 ** shift) % 512;
    const eAddr = table + idx * 8;
    readEntry64(c, eAddr);
    let err = 0;
    if ((entLo & P) === 0) err = 0;
    else if ((entHi & HI_RSVD) !== 0 || ((entHi & NX_HI) !== 0 && (c.hostEfer & EFER_NXE) === 0) ||
      (level === 3 && (entLo & PS) !== 0) || (level === 2 && (entLo & PS) !== 0)) err = PFEC_RSV | PFEC_P;
    else {
      writable &&= (entLo & RW) !== 0;
      executable &&= (entHi & NX_HI) === 0;
      const leaf = level === 0 || (level === 1 && (entLo & PS) !== 0);
      if ((entLo & US) === 0 || (access === ACCESS_WRITE && !writable) || (access === ACCESS_EXEC && !executable)) {
        if (leaf || (entLo & US) === 0) err = PFEC_P;
      }
      if (err === 0) {
        if ((entLo & A) === 0 || (leaf && access === ACCESS_WRITE && (entLo & D) === 0)) {
          c.mem.write32(eAddr, entLo | A | (leaf && access === ACCESS_WRITE ? D : 0));
        }
        const frame = (entHi & 0xfffff) * TWO32 + ((entLo & ~0xfff) >>> 0);
        if (leaf) {
          const size = 2 ** shift;
          const base = frame - (frame % size);
          nestedRights = (writable ? 1 : 0) | (executable ? 2 : 0);
          return base + (gpa % size);
        }
        table = frame;
        continue;
      }
    }
    npf(c, gpa, gpaHi, access, err, tableAccess);
  }
  return 0; // unreachable
}
/** Rights of the last nested translation: bit 0 writable, bit 1 executable. */
let nestedRights = 3;

function npf(c: Cpu, gpa: number, gpaHi: number, access: number, err: number, tableAccess: boolean): never {
  let code = err | PFEC_U;
  if (access === ACCESS_WRITE) code |= PFEC_W;
  if (access === ACCESS_EXEC) code |= PFEC_I;
  // svm.md 6.2: bit 32 = final guest-physical address, bit 33 = guest page-table access.
  const info1Hi = tableAccess ? 2 : 1;
  c.exitIntInfo = c.deliveringEvent;
  c.exitIntInfoErr = c.deliveringErr;
  return vmexit(c, SvmExit.NPF, code, info1Hi, gpa % TWO32 | 0, gpaHi);
}

/** Guest-physical -> host-physical for a guest page-table entry access. */
function tableHpa(c: Cpu, gpa: number, write: boolean): number {
  return c.npEnable ? nestedTranslate(c, gpa, write ? ACCESS_WRITE : ACCESS_READ, true) : gpa;
}

/**
 * Translate linear (lo, hi) for `access`; fills the TLB and returns the host-physical address.
 * Raises #PF (guest walk) or #VMEXIT(NPF) (nested walk).
 */
export function translate(c: Cpu, lo: number, hi: number, access: number): number {
  const user = c.cpl === 3 && !c.implicitSup;
  c.pfLinLo = lo;
  c.pfLinHi = hi;
  let gpa: number;
  let rights: number;
  let large = 0;
  let global = 0;
  if ((c.cr0 & CR0_PG) === 0) {
    gpa = lo >>> 0;
    rights = TLB_R_SUP | TLB_W_SUP | TLB_X_SUP | TLB_R_USR | TLB_W_USR | TLB_X_USR;
  } else {
    gpa = walkGuest(c, lo, hi, access, user);
    rights = walkRights;
    large = walkLarge;
    global = walkGlobal;
  }
  let hpa = gpa;
  if (c.npEnable) {
    hpa = nestedTranslate(c, gpa, access, false);
    if ((nestedRights & 1) === 0) rights &= ~(TLB_W_SUP | TLB_W_USR);
    if ((nestedRights & 2) === 0) rights &= ~(TLB_X_SUP | TLB_X_USR);
    // A nested large page maps contiguously, but the TLB holds 4 KiB pieces.
  }
  const page = hpa - (hpa % 4096);
  if (page + 4096 <= c.mem.size) {
    c.tlb.fill(lo, hi, c.asid, page, rights | large | global);
  }
  return hpa;
}

let walkLarge = 0, walkGlobal = 0;

/** The guest's own page walk; returns the guest-physical address and sets walkRights. */
function walkGuest(c: Cpu, lo: number, hi: number, access: number, user: boolean): number {
  const nxe = (c.efer & EFER_NXE) !== 0;
  const longMode = (c.efer & EFER_LMA) !== 0;
  const pae = (c.cr4 & CR4_PAE) !== 0;
  let w = true, u = true, x = true;
  let gpa = 0;
  walkLarge = 0;
  walkGlobal = 0;
  const entries = walkEntriesHpa; // host addresses of visited entries for A/D updates
  let n = 0;
  let leafIsDirty = false;
  let leafHpa = 0;
  let leafLo = 0;

  if (!pae) {
    // 32-bit paging: two levels of 4-byte entries (APM Vol.2 5.3).
    const cr3 = (c.cr3Lo & ~0xfff) >>> 0;
    const pdeGpa = cr3 + ((lo >>> 22) << 2);
    const pdeHpa = tableHpa(c, pdeGpa, false);
    const pde = c.mem.read32(pdeHpa);
    if ((pde & P) === 0) pageFault(c, access, user, 0);
    w &&= (pde & RW) !== 0; u &&= (pde & US) !== 0;
    entries[n++] = pdeHpa; entGpa[n - 1] = pdeGpa;
    if ((pde & PS) !== 0 && (c.cr4 & CR4_PSE) !== 0) {
      // 4 MiB page; PSE-36 bits 20:13 give physical bits 39:32.
      gpa = ((pde & 0xffc00000) >>> 0) + ((pde >>> 13) & 0xff) * TWO32 + (lo & 0x3fffff);
      leafHpa = pdeHpa; leafLo = pde; walkLarge = TLB_LARGE_4M;
    } else {
      const pteGpa = ((pde & ~0xfff) >>> 0) + (((lo >>> 12) & 0x3ff) << 2);
      const pteHpa = tableHpa(c, pteGpa, false);
      const pte = c.mem.read32(pteHpa);
      if ((pte & P) === 0) pageFault(c, access, user, 0);
      w &&= (pte & RW) !== 0; u &&= (pte & US) !== 0;
      entries[n++] = pteHpa; entGpa[n - 1] = pteGpa;
      gpa = ((pte & ~0xfff) >>> 0) + (lo & 0xfff);
      leafHpa = pteHpa; leafLo = pte;
    }
    if ((leafLo & G) !== 0 && (c.cr4 & CR4_PGE) !== 0) walkGlobal = TLB_GLOBAL;
    leafIsDirty = (leafLo & D) !== 0;
  } else {
    let table: number;
    let level: number;
    if (longMode) {
      table = (c.cr3Hi & 0xfffff) * TWO32 + ((c.cr3Lo & ~0xfff) >>> 0);
      level = 3;
    } else {
      // Legacy PAE: the PDPTE (APM Vol.2 5.4); read at walk time rather than cached at MOV CR3.
      const pdpteGpa = ((c.cr3Lo & ~0x1f) >>> 0) + ((lo >>> 30) << 3);
      const pdpteHpa = tableHpa(c, pdpteGpa, false);
      readEntry64(c, pdpteHpa);
      if ((entLo & P) === 0) pageFault(c, access, user, 0);
      if ((entLo & 0x1e6) !== 0 || (entHi & (HI_RSVD | NX_HI)) !== 0) pageFault(c, access, user, PFEC_RSV | PFEC_P);
      table = (entHi & 0xfffff) * TWO32 + ((entLo & ~0xfff) >>> 0);
      level = 1;
    }
    for (;;) {
      const shift = 12 + 9 * level;
      const idx = level === 3 ? (hi >>> 7) & 0x1ff : level === 2 ? ((hi & 0x7f) << 2) | (lo >>> 30) : (lo >>> shift) & 0x1ff;
      const eGpa = table + idx * 8;
      const eHpa = tableHpa(c, eGpa, false);
      readEntry64(c, eHpa);
      if ((entLo & P) === 0) pageFault(c, access, user, 0);
      const psOk = level === 1; // 2 MiB pages; 1 GiB pages are not offered (CPUID Page1GB = 0)
      if ((entHi & HI_RSVD) !== 0 || ((entHi & NX_HI) !== 0 && !nxe) || ((entLo & PS) !== 0 && !psOk && level !== 0) ||
        (level === 1 && (entLo & PS) !== 0 && (entLo & 0x1fe000) !== 0)) {
        pageFault(c, access, user, PFEC_RSV | PFEC_P);
      }
      w &&= (entLo & RW) !== 0; u &&= (entLo & US) !== 0;
      if (nxe && (entHi & NX_HI) !== 0) x = false;
      entries[n] = eHpa; entGpa[n] = eGpa; n++;
      const frame = (entHi & 0xfffff) * TWO32 + ((entLo & ~0xfff) >>> 0);
      if (level === 0 || (entLo & PS) !== 0) {
        if (level === 1) {
          gpa = (frame - (frame % 0x200000)) + (lo & 0x1fffff);
          walkLarge = TLB_LARGE_2M;
        } else {
          gpa = frame + (lo & 0xfff);
        }
        leafHpa = eHpa; leafLo = entLo;
        break;
      }
      table = frame;
      level--;
    }
    if ((leafLo & G) !== 0 && (c.cr4 & CR4_PGE) !== 0) walkGlobal = TLB_GLOBAL;
    leafIsDirty = (leafLo & D) !== 0;
  }

  // Rights (APM Vol.2 5.6): supervisor writes ignore R/W unless CR0.WP; SMEP/SMAP on user pages.
  const wp = (c.cr0 & CR0_WP) !== 0;
  const smep = (c.cr4 & CR4_SMEP) !== 0, smap = (c.cr4 & CR4_SMAP) !== 0;
  let rights = TLB_R_SUP | TLB_X_SUP;
  if (w || !wp) rights |= TLB_W_SUP;
  if (!x) rights &= ~TLB_X_SUP;
  if (u) {
    rights |= TLB_R_USR;
    if (w) rights |= TLB_W_USR;
    if (x) rights |= TLB_X_USR;
    if (smep) rights &= ~TLB_X_SUP;
  }
  // Decide this access.
  const need = access === ACCESS_READ ? (user ? TLB_R_USR : TLB_R_SUP)
    : access === ACCESS_WRITE ? (user ? TLB_W_USR : TLB_W_SUP) : (user ? TLB_X_USR : TLB_X_SUP);
  let allowed = (rights & need) !== 0;
  // SMAP: supervisor data access to a user page faults unless RFLAGS.AC=1 on an explicit access.
  if (allowed && u && smap && !user && access !== ACCESS_EXEC && (c.implicitSup || (c.flags & AC) === 0)) allowed = false;
  if (!allowed) pageFault(c, access, user, PFEC_P);

  // Accessed and dirty bits, written through the nested translation of each entry.
  for (let i = 0; i < n; i++) {
    const v = c.mem.read32(entries[i]);
    const isLeaf = entries[i] === leafHpa;
    const want = v | A | (isLeaf && access === ACCESS_WRITE ? D : 0);
    if (want !== v) c.mem.write32(c.npEnable ? nestedTranslate(c, entGpa[i], ACCESS_WRITE, true) : entries[i], want);
  }
  // Writes are cached only once the page is dirty, so the first write walks again and sets D.
  if (!leafIsDirty && access !== ACCESS_WRITE) rights &= ~(TLB_W_SUP | TLB_W_USR);
  // SMAP-governed rights are never cached: the check depends on RFLAGS.AC.
  if (u && smap) rights &= ~(TLB_R_SUP | TLB_W_SUP);
  walkRights = rights;
  return gpa;
}
const walkEntriesHpa = new Float64Array(5);
const entGpa = new Float64Array(5);

function pageFault(c: Cpu, access: number, user: boolean, bits: number): never {
  let err = bits;
  if (access === ACCESS_WRITE) err |= PFEC_W;
  if (user) err |= PFEC_U;
  if (access === ACCESS_EXEC && ((c.efer & EFER_NXE) !== 0 || (c.cr4 & CR4_SMEP) !== 0)) err |= PFEC_I;
  return raisePF(c, err);
}
