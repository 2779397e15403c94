// Guest state moves between the VMCB state save area and the processor
// (svm.md sections 4, 9.1 step 4, 10 step 4). VMRUN/#VMEXIT own one set of fields,
// VMLOAD/VMSAVE the other.
import type { Cpu } from '../cpu';
import { VMCB } from './vmcb-layout';
import { refreshAllSegments, setCpl, resetFetch } from '../mmu';
import { readFlags } from '../flags';
import { LAZY_NONE } from '../flags';
import { CR0_PG, EFER_LMA, EFER_LME, RAX, RSP } from '../regs';

const TWO32 = 0x100000000;
/** Segment records in VMCB order for ES, CS, SS, DS, FS, GS (save area 000h + 16*n). */
const SEG_RECORD = [VMCB.ES_SELECTOR, VMCB.CS_SELECTOR, VMCB.SS_SELECTOR, VMCB.DS_SELECTOR, VMCB.FS_SELECTOR, VMCB.GS_SELECTOR];

function loadSeg(c: Cpu, vmcb: number, s: number): void {
  const m = c.mem, a = vmcb + SEG_RECORD[s];
  c.segSel[s] = m.read16(a);
  c.segAttr[s] = m.read16(a + 2) & 0xfff;
  c.segLimit[s] = m.read32(a + 4);
  c.segBaseLo[s] = m.read32(a + 8);
  c.segBaseHi[s] = m.read32(a + 12);
}
function saveSeg(c: Cpu, vmcb: number, s: number): void {
  const m = c.mem, a = vmcb + SEG_RECORD[s];
  m.write16(a, c.segSel[s]);
  m.write16(a + 2, c.segAttr[s]);
  m.write32(a + 4, c.segLimit[s]);
  m.write32(a + 8, c.segBaseLo[s]);
  m.write32(a + 12, c.segBaseHi[s]);
}

/** VMRUN step 4: ES, CS, SS, DS, GDTR, IDTR, EFER, CRx, DR6/7, RFLAGS, RIP, RSP, RAX, CPL, CR2. */
export function loadGuestState(c: Cpu, vmcb: number): void {
  const m = c.mem;
  for (let s = 0; s < 4; s++) loadSeg(c, vmcb, s);
  c.gdtrLimit = m.read32(vmcb + VMCB.GDTR_LIMIT) & 0xffff;
  c.gdtrBaseLo = m.read32(vmcb + VMCB.GDTR_BASE); c.gdtrBaseHi = m.read32(vmcb + VMCB.GDTR_BASE + 4);
  c.idtrLimit = m.read32(vmcb + VMCB.IDTR_LIMIT) & 0xffff;
  c.idtrBaseLo = m.read32(vmcb + VMCB.IDTR_BASE); c.idtrBaseHi = m.read32(vmcb + VMCB.IDTR_BASE + 4);
  c.efer = m.read32(vmcb + VMCB.EFER);
  c.cr4 = m.read32(vmcb + VMCB.CR4);
  c.cr3Lo = m.read32(vmcb + VMCB.CR3); c.cr3Hi = m.read32(vmcb + VMCB.CR3 + 4);
  c.cr0 = m.read32(vmcb + VMCB.CR0);
  c.cr2Lo = m.read32(vmcb + VMCB.CR2); c.cr2Hi = m.read32(vmcb + VMCB.CR2 + 4);
  c.dr[14] = m.read32(vmcb + VMCB.DR7) | 0x400; // APM: DR7 bit 10 reads as 1
  c.dr[12] = m.read32(vmcb + VMCB.DR6);
  // EFER.LMA follows LME & PG (Bochs recomputes; hardware does not check).
  if ((c.efer & EFER_LME) !== 0 && (c.cr0 & CR0_PG) !== 0) c.efer |= EFER_LMA; else c.efer &= ~EFER_LMA;
  c.flags = (m.read32(vmcb + VMCB.RFLAGS) & 0x3f7fd5) | 2;
  c.lop = LAZY_NONE;
  const ripLo = m.read32(vmcb + VMCB.RIP), ripHi = m.read32(vmcb + VMCB.RIP + 4);
  c.gpr[RSP << 1] = m.read32(vmcb + VMCB.RSP); c.gpr[(RSP << 1) | 1] = m.read32(vmcb + VMCB.RSP + 4);
  c.gpr[RAX << 1] = m.read32(vmcb + VMCB.RAX); c.gpr[(RAX << 1) | 1] = m.read32(vmcb + VMCB.RAX + 4);
  setCpl(c, m.read8(vmcb + VMCB.CPL) & 3);
  c.updateMode();
  // Outside 64-bit mode only EIP is meaningful; a non-canonical RIP faults at fetch.
  c.rip = c.mode64 ? ((ripHi << 16) >> 16) * TWO32 + (ripLo >>> 0) : ripLo >>> 0;
  if (c.npEnable) {
    c.patLo = m.read32(vmcb + VMCB.G_PAT); c.patHi = m.read32(vmcb + VMCB.G_PAT + 4);
  }
  refreshAllSegments(c);
  resetFetch(c);
}

/** #VMEXIT step 4. */
export function saveGuestState(c: Cpu, vmcb: number): void {
  const m = c.mem;
  for (let s = 0; s < 4; s++) saveSeg(c, vmcb, s);
  m.write32(vmcb + VMCB.GDTR_LIMIT, c.gdtrLimit);
  m.write32(vmcb + VMCB.GDTR_BASE, c.gdtrBaseLo); m.write32(vmcb + VMCB.GDTR_BASE + 4, c.gdtrBaseHi);
  m.write32(vmcb + VMCB.IDTR_LIMIT, c.idtrLimit);
  m.write32(vmcb + VMCB.IDTR_BASE, c.idtrBaseLo); m.write32(vmcb + VMCB.IDTR_BASE + 4, c.idtrBaseHi);
  m.write32(vmcb + VMCB.EFER, c.efer); m.write32(vmcb + VMCB.EFER + 4, 0);
  m.write32(vmcb + VMCB.CR4, c.cr4); m.write32(vmcb + VMCB.CR4 + 4, 0);
  m.write32(vmcb + VMCB.CR3, c.cr3Lo); m.write32(vmcb + VMCB.CR3 + 4, c.cr3Hi);
  m.write32(vmcb + VMCB.CR0, c.cr0); m.write32(vmcb + VMCB.CR0 + 4, 0);
  m.write32(vmcb + VMCB.CR2, c.cr2Lo); m.write32(vmcb + VMCB.CR2 + 4, c.cr2Hi);
  m.write32(vmcb + VMCB.DR7, c.dr[14]); m.write32(vmcb + VMCB.DR7 + 4, 0);
  m.write32(vmcb + VMCB.DR6, c.dr[12]); m.write32(vmcb + VMCB.DR6 + 4, 0);
  m.write32(vmcb + VMCB.RFLAGS, readFlags(c)); m.write32(vmcb + VMCB.RFLAGS + 4, 0);
  m.write32(vmcb + VMCB.RIP, c.rip | 0); m.write32(vmcb + VMCB.RIP + 4, Math.floor(c.rip / TWO32) | 0);
  m.write32(vmcb + VMCB.RSP, c.gpr[RSP << 1]); m.write32(vmcb + VMCB.RSP + 4, c.gpr[(RSP << 1) | 1]);
  m.write32(vmcb + VMCB.RAX, c.gpr[RAX << 1]); m.write32(vmcb + VMCB.RAX + 4, c.gpr[(RAX << 1) | 1]);
  m.write8(vmcb + VMCB.CPL, c.cpl);
  if (c.npEnable) {
    m.write32(vmcb + VMCB.G_PAT, c.patLo); m.write32(vmcb + VMCB.G_PAT + 4, c.patHi);
  }
}

/** VMLOAD (svm.md section 2): FS, GS, TR, LDTR, KernelGsBase, STAR family, SYSENTER MSRs. */
export function vmloadState(c: Cpu, vmcb: number): void {
  const m = c.mem;
  loadSeg(c, vmcb, 4);
  loadSeg(c, vmcb, 5);
  c.trSel = m.read16(vmcb + VMCB.TR_SELECTOR); c.trAttr = m.read16(vmcb + VMCB.TR_ATTRIB);
  c.trLimit = m.read32(vmcb + VMCB.TR_LIMIT); c.trBaseLo = m.read32(vmcb + VMCB.TR_BASE); c.trBaseHi = m.read32(vmcb + VMCB.TR_BASE + 4);
  c.ldtrSel = m.read16(vmcb + VMCB.LDTR_SELECTOR); c.ldtrAttr = m.read16(vmcb + VMCB.LDTR_ATTRIB);
  c.ldtrLimit = m.read32(vmcb + VMCB.LDTR_LIMIT); c.ldtrBaseLo = m.read32(vmcb + VMCB.LDTR_BASE); c.ldtrBaseHi = m.read32(vmcb + VMCB.LDTR_BASE + 4);
  c.kernelGsBaseLo = m.read32(vmcb + VMCB.KERNEL_GS_BASE); c.kernelGsBaseHi = m.read32(vmcb + VMCB.KERNEL_GS_BASE + 4);
  c.starLo = m.read32(vmcb + VMCB.STAR); c.starHi = m.read32(vmcb + VMCB.STAR + 4);
  c.lstarLo = m.read32(vmcb + VMCB.LSTAR); c.lstarHi = m.read32(vmcb + VMCB.LSTAR + 4);
  c.cstarLo = m.read32(vmcb + VMCB.CSTAR); c.cstarHi = m.read32(vmcb + VMCB.CSTAR + 4);
  c.sfmask = m.read32(vmcb + VMCB.SFMASK);
  c.sysenterCs = m.read32(vmcb + VMCB.SYSENTER_CS);
  c.sysenterEspLo = m.read32(vmcb + VMCB.SYSENTER_ESP); c.sysenterEspHi = m.read32(vmcb + VMCB.SYSENTER_ESP + 4);
  c.sysenterEipLo = m.read32(vmcb + VMCB.SYSENTER_EIP); c.sysenterEipHi = m.read32(vmcb + VMCB.SYSENTER_EIP + 4);
  refreshAllSegments(c);
}
/** VMSAVE: the same set, stored. */
export function vmsaveState(c: Cpu, vmcb: number): void {
  const m = c.mem;
  saveSeg(c, vmcb, 4);
  saveSeg(c, vmcb, 5);
  m.write16(vmcb + VMCB.TR_SELECTOR, c.trSel); m.write16(vmcb + VMCB.TR_ATTRIB, c.trAttr);
  m.write32(vmcb + VMCB.TR_LIMIT, c.trLimit); m.write32(vmcb + VMCB.TR_BASE, c.trBaseLo); m.write32(vmcb + VMCB.TR_BASE + 4, c.trBaseHi);
  m.write16(vmcb + VMCB.LDTR_SELECTOR, c.ldtrSel); m.write16(vmcb + VMCB.LDTR_ATTRIB, c.ldtrAttr);
  m.write32(vmcb + VMCB.LDTR_LIMIT, c.ldtrLimit); m.write32(vmcb + VMCB.LDTR_BASE, c.ldtrBaseLo); m.write32(vmcb + VMCB.LDTR_BASE + 4, c.ldtrBaseHi);
  m.write32(vmcb + VMCB.KERNEL_GS_BASE, c.kernelGsBaseLo); m.write32(vmcb + VMCB.KERNEL_GS_BASE + 4, c.kernelGsBaseHi);
  m.write32(vmcb + VMCB.STAR, c.starLo); m.write32(vmcb + VMCB.STAR + 4, c.starHi);
  m.write32(vmcb + VMCB.LSTAR, c.lstarLo); m.write32(vmcb + VMCB.LSTAR + 4, c.lstarHi);
  m.write32(vmcb + VMCB.CSTAR, c.cstarLo); m.write32(vmcb + VMCB.CSTAR + 4, c.cstarHi);
  m.write32(vmcb + VMCB.SFMASK, c.sfmask); m.write32(vmcb + VMCB.SFMASK + 4, 0);
  m.write32(vmcb + VMCB.SYSENTER_CS, c.sysenterCs); m.write32(vmcb + VMCB.SYSENTER_CS + 4, 0);
  m.write32(vmcb + VMCB.SYSENTER_ESP, c.sysenterEspLo); m.write32(vmcb + VMCB.SYSENTER_ESP + 4, c.sysenterEspHi);
  m.write32(vmcb + VMCB.SYSENTER_EIP, c.sysenterEipLo); m.write32(vmcb + VMCB.SYSENTER_EIP + 4, c.sysenterEipHi);
}
