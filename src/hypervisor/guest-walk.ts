// Guest linear -> guest-physical translation by software, for the hypervisor's own accesses
// to guest memory on the guest's behalf (string I/O, fetching instruction bytes): walks the
// guest's page tables from the VMCB's CR0/CR3/CR4/EFER, reading them through the VM's
// GPA -> HPA map (APM Vol.2 5.3 legacy, 5.3 PAE, 5.3 long mode 4-level).
import { CR0_PG, CR4_PAE, CR4_PSE, EFER_LMA, PFEC_P, PFEC_U, PFEC_W } from '../cpu/regs';
import { VMCB } from '../cpu/svm/vmcb-layout';
import type { GuestMemory } from './guest-memory';
import type { GuestRegs } from './guest-regs';

const TWO32 = 0x1_0000_0000;

/** The walk failed: the hypervisor injects #PF with this error code and CR2. */
export class GuestPageFault {
  constructor(readonly errorCode: number, readonly linear: number) {}
}

/** VMCB segment record offsets in ES, CS, SS, DS, FS, GS order (svm.md 4). */
const SEG_BASE = [VMCB.ES_BASE, VMCB.CS_BASE, VMCB.SS_BASE, VMCB.DS_BASE, VMCB.FS_BASE, VMCB.GS_BASE];

/** Linear address of seg:offset (64-bit mode ignores ES/CS/SS/DS bases). FS/GS bases need a VMSAVE first. */
export function linearAddress(regs: GuestRegs, seg: number, offset: number, bits: 16 | 32 | 64): number {
  if (bits === 64) return seg >= 4 ? regs.read64(SEG_BASE[seg]) + offset : offset;
  return (regs.read32(SEG_BASE[seg]) + offset) % TWO32 >>> 0;
}

/** Translate a linear address; throws GuestPageFault. The VMCB's CPL decides user rights; `write` the R/W check. */
export function translateLinear(regs: GuestRegs, ram: GuestMemory, linear: number, write: boolean): number {
  const cr0 = regs.read32(VMCB.CR0), cr4 = regs.read32(VMCB.CR4), efer = regs.read32(VMCB.EFER);
  if ((cr0 & CR0_PG) === 0) return linear >= 0 ? linear % TWO32 : linear + TWO32;
  const user = (regs.cpu.mem.read8(regs.vmcb + VMCB.CPL) & 3) === 3;
  const fault = (present: boolean) => new GuestPageFault((present ? PFEC_P : 0) | (write ? PFEC_W : 0) | (user ? PFEC_U : 0), linear);
  const e = new Int32Array(2);
  let allowW = true, allowU = true;
  const check = (lo: number) => {
    if ((lo & 1) === 0) throw fault(false);
    allowW &&= (lo & 2) !== 0; allowU &&= (lo & 4) !== 0;
  };
  const finish = (gpa: number) => {
    // Supervisor writes ignore R/W unless CR0.WP (bit 16).
    if ((write && !allowW && (user || (cr0 & (1 << 16)) !== 0)) || (user && !allowU)) throw fault(true);
    return gpa;
  };
  const cr3 = regs.read64(VMCB.CR3);
  if ((cr4 & CR4_PAE) === 0) {
    // 32-bit legacy paging: 10/10/12, 4 MiB pages with CR4.PSE.
    const lin = linear >>> 0;
    const pdeA = (cr3 & 0xfffff000) + ((lin >>> 22) * 4);
    ram.read64(pdeA, e); const pde = e[0];
    check(pde);
    if ((pde & 0x80) !== 0 && (cr4 & CR4_PSE) !== 0) return finish(((pde & 0xffc00000) >>> 0) + (lin & 0x3fffff));
    ram.read64(((pde & 0xfffff000) >>> 0) + ((lin >>> 12) & 0x3ff) * 4, e); const pte = e[0];
    check(pte);
    return finish(((pte & 0xfffff000) >>> 0) + (lin & 0xfff));
  }
  const longMode = (efer & EFER_LMA) !== 0;
  // Only bits 47:0 (long mode) or 31:0 (PAE) index the tables; canonical addresses arrive signed.
  const linLow = longMode ? ((linear % 2 ** 48) + 2 ** 48) % 2 ** 48 : linear >>> 0;
  const idx = (level: number) => Math.floor(linLow / 2 ** (12 + 9 * level)) % 512;
  let table: number;
  let level: number;
  if (longMode) { table = cr3 - (cr3 % 4096); level = 3; } else {
    // PAE: 4 PDPTEs at CR3[31:5]
    ram.read64(((cr3 & ~0x1f) >>> 0) + ((linLow >>> 30) & 3) * 8, e);
    if ((e[0] & 1) === 0) throw fault(false);
    table = (e[1] & 0xfffff) * TWO32 + ((e[0] & ~0xfff) >>> 0);
    level = 1;
  }
  for (; level >= 0; level--) {
    ram.read64(table + idx(level) * 8, e);
    check(e[0]);
    const frame = (e[1] & 0xfffff) * TWO32 + ((e[0] & ~0xfff) >>> 0);
    const offBits = 12 + 9 * level;
    if (level === 0 || (level <= 2 && (e[0] & 0x80) !== 0)) {
      const size = 2 ** offBits;
      return finish(frame - (frame % size) + (linLow % size));
    }
    table = frame;
  }
  throw fault(false);
}
