// The MMIO instruction emulator's decoder: on an NPF in a device region the hypervisor must
// perform the faulting instruction's memory access itself (as KVM's emulator does), using
// the decode-assist bytes (VMCB GUEST_INSN_BYTES, svm.md 3 and 10). Only the forms Linux and
// simple guests use on MMIO: MOV r/m <-> reg (88, 89, 8A, 8B), MOV r/m, imm (C6 /0, C7 /0),
// MOV AL/eAX <-> moffs (A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF) and MOVSXD (63). Anything else
// is reported, with its bytes, as an unhandled MMIO instruction.

export interface MmioInsn {
  /** Instruction length in bytes (RIP advances by it). */
  readonly length: number;
  readonly isWrite: boolean;
  /** Bytes accessed in memory. */
  readonly size: 1 | 2 | 4 | 8;
  /** GPR read from (write) or written to (read); -1 for an immediate store. */
  readonly reg: number;
  /** The register is AH, CH, DH or BH (bits 15:8 of reg). */
  readonly highByte: boolean;
  /** Register width for reads (movzx/movsx widen), in bytes. */
  readonly regSize: 1 | 2 | 4 | 8;
  readonly signExtend: boolean;
  /** Immediate store value (low, high dwords; high = sign of imm32 for 8-byte stores). */
  readonly immLo: number;
  readonly immHi: number;
}

/** Decode the instruction at `bytes` (up to 15) in a code segment of `bits`; null if not one of the supported forms. */
export function decodeMmioInsn(bytes: Uint8Array, bits: 16 | 32 | 64): MmioInsn | null {
  let i = 0, opsz = false, adsz = false, rex = 0;
  const n = Math.min(bytes.length, 15);
  for (; i < n; i++) {
    const b = bytes[i];
    if (b === 0x66) opsz = true;
    else if (b === 0x67) adsz = true;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65 || b === 0xf0) continue;
    else break;
  }
  if (bits === 64 && i < n && (bytes[i] & 0xf0) === 0x40) rex = bytes[i++];
  if (i >= n) return null;
  const rexW = (rex & 8) !== 0;
  const osz: 2 | 4 | 8 = bits === 64 ? (rexW ? 8 : opsz ? 2 : 4) : (bits === 32) !== opsz ? 4 : 2;
  const asz = bits === 64 ? (adsz ? 4 : 8) : (bits === 32) !== adsz ? 4 : 2;
  let op = bytes[i++];
  let twoByte = false;
  if (op === 0x0f) { if (i >= n) return null; op = bytes[i++]; twoByte = true; }

  // moffs forms: no ModRM, address of asz bytes.
  if (!twoByte && op >= 0xa0 && op <= 0xa3) {
    const len = i + asz;
    if (len > n) return null;
    const size = (op & 1) === 0 ? 1 : osz;
    return mk(len, op >= 0xa2, size, 0, false, size, false, 0, 0);
  }
  const supported = twoByte ? op === 0xb6 || op === 0xb7 || op === 0xbe || op === 0xbf
    : op === 0x88 || op === 0x89 || op === 0x8a || op === 0x8b || op === 0xc6 || op === 0xc7 || (op === 0x63 && bits === 64);
  if (!supported || i >= n) return null;
  const modrm = bytes[i++];
  const mod = modrm >> 6, rm = modrm & 7, regField = (modrm >> 3) & 7;
  if (mod === 3) return null; // register operand: cannot be the MMIO access
  // Addressing bytes (APM Vol.3 1.4): SIB and displacement.
  if (asz === 2) {
    i += mod === 1 ? 1 : mod === 2 || (mod === 0 && rm === 6) ? 2 : 0;
  } else {
    let base = rm;
    if (rm === 4) { if (i >= n) return null; base = bytes[i++] & 7; }
    i += mod === 1 ? 1 : mod === 2 || (mod === 0 && (rm === 5 || (rm === 4 && base === 5))) ? 4 : 0;
  }
  const g = ((rex & 4) << 1) | regField;
  const byteReg = (size: number) => size === 1 && rex === 0 && regField >= 4;
  const regOf = (size: number) => (byteReg(size) ? regField - 4 : g);

  if (twoByte) {
    const size = (op & 1) === 0 ? 1 : 2;
    if (i > n) return null;
    return mk(i, false, size, g, false, osz, op >= 0xbe, 0, 0);
  }
  switch (op) {
    case 0x88: case 0x8a: if (i > n) return null; return mk(i, op === 0x88, 1, regOf(1), byteReg(1), 1, false, 0, 0);
    case 0x89: case 0x8b: if (i > n) return null; return mk(i, op === 0x89, osz, g, false, osz, false, 0, 0);
    case 0x63: if (i > n) return null; return mk(i, false, 4, g, false, rexW ? 8 : 4, rexW, 0, 0);
    case 0xc6: case 0xc7: {
      if (regField !== 0) return null;
      const immBytes = op === 0xc6 ? 1 : osz === 2 ? 2 : 4;
      if (i + immBytes > n) return null;
      let imm = 0;
      for (let k = immBytes - 1; k >= 0; k--) imm = (imm << 8) | bytes[i + k];
      const size = op === 0xc6 ? 1 : osz;
      return mk(i + immBytes, true, size, -1, false, size, false, imm | 0, size === 8 && imm < 0 ? -1 : 0);
    }
  }
  return null;
}

function mk(length: number, isWrite: boolean, size: number, reg: number, highByte: boolean, regSize: number,
  signExtend: boolean, immLo: number, immHi: number): MmioInsn {
  return { length, isWrite, size: size as 1 | 2 | 4 | 8, reg, highByte, regSize: regSize as 1 | 2 | 4 | 8, signExtend, immLo, immHi };
}
