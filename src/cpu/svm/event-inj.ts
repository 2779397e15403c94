// EVENTINJ (VMCB 0A8h) and EXITINTINFO (088h) low dword. svm.md 7 / APM Vol.2 15.20.
//   7:0 VECTOR, 10:8 TYPE, 11 EV (error code valid), 30:12 reserved (MBZ), 31 V (valid)
// The error code is the high dword (0ACh / 08Ch). Values are handled as the
// signed int32 PhysMem.read32 returns; bit 31 set gives a negative number.

export const EventType = Object.freeze({
  INTR: 0, // external or virtual interrupt
  NMI: 2,
  EXCEPTION: 3, // fault or trap
  SOFT_INT: 4, // INTn
} as const);

export const EVENT_VECTOR_MASK = 0xff;
export const EVENT_TYPE_SHIFT = 8;
export const EVENT_EV = 1 << 11;
export const EVENT_RESERVED_MASK = 0x7ffff000; // bits 30:12
export const EVENT_VALID = 1 << 31; // negative as int32

export function eventVector(lo: number): number {
  return lo & EVENT_VECTOR_MASK;
}
export function eventType(lo: number): number {
  return (lo >>> EVENT_TYPE_SHIFT) & 7;
}
export function eventValid(lo: number): boolean {
  return (lo & EVENT_VALID) !== 0;
}
export function eventHasErrorCode(lo: number): boolean {
  return (lo & EVENT_EV) !== 0;
}

/** A valid (V=1) event info dword, as a signed int32 ready for PhysMem.write32. */
export function makeEventInfo(vector: number, type: number, errorCodeValid: boolean): number {
  return EVENT_VALID | (errorCodeValid ? EVENT_EV : 0) | ((type & 7) << EVENT_TYPE_SHIFT) | (vector & EVENT_VECTOR_MASK);
}

/** The vector actually delivered: TYPE=NMI always delivers vector 2 (svm.md 7, Bochs). */
export function eventDeliveryVector(lo: number): number {
  return eventType(lo) === EventType.NMI ? 2 : lo & EVENT_VECTOR_MASK;
}

/**
 * Is an EVENTINJ value legal for VMRUN (else VMEXIT_INVALID, svm.md 7 / 9.2 #13)?
 * An event with V=0 injects nothing and is legal. longMode = the guest will
 * run in 64-bit mode (EFER.LMA and CS.L; Bochs long64_mode()).
 *
 * Choices where the sources differ (svm.md 15):
 * - reserved bits 30:12 must be zero (svm.md 7 MBZ; Bochs and QEMU do not test them);
 * - TYPE=EXCEPTION with vector 2 or vector > 31 is illegal, following Bochs
 *   (QEMU rejects >= 31, a QEMU quirk);
 * - TYPE=EXCEPTION #OF (4) or #BR (5) in 64-bit mode is illegal, following Bochs
 *   (INTO and BOUND do not exist in 64-bit mode);
 * - TYPE=NMI is legal with any vector (2 is delivered); INTR and SOFT_INT take any vector.
 */
export function eventInjIsLegal(lo: number, longMode: boolean): boolean {
  if (!eventValid(lo)) return true;
  if ((lo & EVENT_RESERVED_MASK) !== 0) return false;
  switch (eventType(lo)) {
    case EventType.INTR:
    case EventType.NMI:
    case EventType.SOFT_INT:
      return true;
    case EventType.EXCEPTION: {
      const v = lo & EVENT_VECTOR_MASK;
      if (v === 2 || v > 31) return false;
      return !(longMode && (v === 4 || v === 5));
    }
    default:
      return false; // TYPE 1, 5, 6, 7 are reserved
  }
}
