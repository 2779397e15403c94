// CPUID as the guest sees it (intercepted: exit 72h). The CPU model's values (src/cpu/cpuid.ts)
// with the hypervisor's adjustments, in the spirit of KVM's guest CPUID:
//  - leaf 1: EBX[31:24] = the vCPU's APIC ID; ECX bit 31 HYPERVISOR set (the guest runs under
//    one); ECX bit 24 TSC_DEADLINE set (the LAPIC emulates it); ECX bits 3 MONITOR, 5 VMX,
//    21 x2APIC clear (not offered); EDX bit 9 APIC follows IA32_APIC_BASE.EN.
//  - leaf 6: EAX bit 2 ARAT (the APIC timer keeps running in idle states, as KVM says).
//  - 8000_0001 ECX bit 2 SVM and leaf 8000_000A cleared: no nested SVM.
//  - 4000_0000: max hypervisor leaf 4000_0010 and the signature "TsvisorTsvis";
//    4000_0010 (the VMware-style timing leaf QEMU also fills): EAX = TSC kHz, EBX = APIC bus kHz.
//    Linux 6.1 reads that leaf only for VMware; a Linux guest learns the TSC rate from
//    `tsc_early_khz=1000000` on its command line (the VMM's choice) or calibrates.
import type { CpuidModel } from '../cpu/cpuid';
import { TSC_HZ } from '../cpu/system/msr';
import { APIC_BUS_HZ } from './lapic';

export const HV_SIGNATURE = 'TsvisorTsvis';
export const HV_MAX_LEAF = 0x40000010;

function str4(s: string, at: number): number {
  return (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) | 0;
}

/** Guest CPUID(leaf, sub) into out[EAX, EBX, ECX, EDX]. */
export function guestCpuid(model: CpuidModel, leaf: number, sub: number, apicId: number, apicEnabled: boolean, out: Int32Array): void {
  const l = leaf >>> 0;
  if (l >= 0x40000000 && l <= 0x400000ff) {
    out.fill(0);
    if (l === 0x40000000) {
      out[0] = HV_MAX_LEAF; out[1] = str4(HV_SIGNATURE, 0); out[2] = str4(HV_SIGNATURE, 4); out[3] = str4(HV_SIGNATURE, 8);
    } else if (l === 0x40000010) {
      out[0] = TSC_HZ / 1000; out[1] = APIC_BUS_HZ / 1000;
    }
    return;
  }
  model.query(l, sub, out);
  switch (l) {
    case 1:
      out[1] = (out[1] & 0x00ffffff) | (apicId << 24);
      out[2] = (out[2] | (1 << 31) | (1 << 24)) & ~((1 << 3) | (1 << 5) | (1 << 21));
      out[3] = apicEnabled ? out[3] | (1 << 9) : out[3] & ~(1 << 9);
      break;
    case 6: out[0] |= 1 << 2; break;
    case 0x80000001: out[2] &= ~(1 << 2); break;
    case 0x8000000a: out.fill(0); break;
  }
}
