// Wide integer helpers without BigInt: 64x64->128 multiply and 128/64 divide on
// int32 pairs (for MUL/IMUL/DIV/IDIV, APM Vol.3). Results go to module scratch
// variables (read them right after the call); nothing is allocated.

const A = new Float64Array(4);
const B = new Float64Array(4);
const P = new Float64Array(8);

/** Product words (least significant first) of the last mulU64/mulS64: w0..w3, each int32. */
export let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
/** Quotient and remainder of the last div*: pairs (lo, hi). */
export let qLo = 0, qHi = 0, rLo = 0, rHi = 0;

/** Unsigned 64x64 -> 128 product of (aLo,aHi)*(bLo,bHi), 16-bit limb schoolbook. */
export function mulU64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  A[0] = aLo & 0xffff; A[1] = aLo >>> 16; A[2] = aHi & 0xffff; A[3] = aHi >>> 16;
  B[0] = bLo & 0xffff; B[1] = bLo >>> 16; B[2] = bHi & 0xffff; B[3] = bHi >>> 16;
  P.fill(0);
  for (let i = 0; i < 4; i++) {
    const ai = A[i];
    if (ai === 0) continue;
    let carry = 0;
    for (let j = 0; j < 4; j++) {
      const t = ai * B[j] + P[i + j] + carry; // < 2^32 + 2^16 + 2^17: exact
      P[i + j] = t % 65536;
      carry = Math.floor(t / 65536);
    }
    P[i + 4] = carry;
  }
  w0 = P[0] | (P[1] << 16);
  w1 = P[2] | (P[3] << 16);
  w2 = P[4] | (P[5] << 16);
  w3 = P[6] | (P[7] << 16);
}

/** Signed 64x64 -> 128 product (two's complement in w0..w3). */
export function mulS64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const neg = (aHi ^ bHi) < 0;
  if (aHi < 0) { aLo = -aLo | 0; aHi = (aLo === 0 ? -aHi : ~aHi) | 0; }
  if (bHi < 0) { bLo = -bLo | 0; bHi = (bLo === 0 ? -bHi : ~bHi) | 0; }
  mulU64(aLo, aHi, bLo, bHi);
  if (neg) {
    // 128-bit negate: invert and add one with carry.
    w0 = ~w0; w1 = ~w1; w2 = ~w2; w3 = ~w3;
    w0 = (w0 + 1) | 0;
    if (w0 === 0) { w1 = (w1 + 1) | 0; if (w1 === 0) { w2 = (w2 + 1) | 0; if (w2 === 0) w3 = (w3 + 1) | 0; } }
  }
}

/** Unsigned a < b on pairs. */
function ltU(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi >>> 0 < bHi >>> 0 : aLo >>> 0 < bLo >>> 0;
}

/**
 * Unsigned (n3:n2:n1:n0) / (dLo,dHi). Returns false (quotient does not fit 64 bits,
 * or divisor 0) without touching the outputs; else sets qLo/qHi, rLo/rHi.
 */
export function divU128(n3: number, n2: number, n1: number, n0: number, dLo: number, dHi: number): boolean {
  if (dLo === 0 && dHi === 0) return false;
  if (!ltU(n2, n3, dLo, dHi)) return false;
  if (dHi === 0) {
    // Divisor < 2^32: long division by 16-bit limbs, each step exact in a double.
    const d = dLo >>> 0;
    let r = (n3 >>> 0) % d; // n3 < d here
    r = ((r * 65536 + (n2 >>> 16)) % d);
    r = ((r * 65536 + (n2 & 0xffff)) % d);
    let t = r * 65536 + (n1 >>> 16); const q3 = Math.floor(t / d); r = t - q3 * d;
    t = r * 65536 + (n1 & 0xffff); const q2 = Math.floor(t / d); r = t - q2 * d;
    t = r * 65536 + (n0 >>> 16); const q1 = Math.floor(t / d); r = t - q1 * d;
    t = r * 65536 + (n0 & 0xffff); const q0 = Math.floor(t / d); r = t - q0 * d;
    qHi = (q3 << 16) | q2; qLo = (q1 << 16) | q0;
    rLo = r | 0; rHi = 0;
    return true;
  }
  // Restoring division, one quotient bit per step; remainder stays below the divisor.
  let remLo = n2, remHi = n3, lo = n0, hi = n1, qL = 0, qH = 0;
  for (let i = 0; i < 64; i++) {
    const top = remHi >>> 31;
    remHi = (remHi << 1) | (remLo >>> 31);
    remLo = (remLo << 1) | (hi >>> 31);
    hi = (hi << 1) | (lo >>> 31);
    lo <<= 1;
    qH = (qH << 1) | (qL >>> 31);
    qL <<= 1;
    if (top !== 0 || !ltU(remLo, remHi, dLo, dHi)) {
      const s = (remLo >>> 0) - (dLo >>> 0);
      remHi = (remHi - dHi - (s < 0 ? 1 : 0)) | 0;
      remLo = s | 0;
      qL |= 1;
    }
  }
  qLo = qL; qHi = qH; rLo = remLo; rHi = remHi;
  return true;
}

/**
 * Signed (n3:n2:n1:n0) / (dLo,dHi), truncating (IDIV). `bits` is the quotient width
 * (64 or 32: a 32-bit IDIV passes the sign-extended 64-bit dividend in n1:n0 and n3:n2).
 * Returns false when the quotient does not fit.
 */
export function divS128(n3: number, n2: number, n1: number, n0: number, dLo: number, dHi: number, bits: number): boolean {
  const nNeg = n3 < 0, dNeg = dHi < 0;
  if (nNeg) {
    n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
    n0 = (n0 + 1) | 0;
    if (n0 === 0) { n1 = (n1 + 1) | 0; if (n1 === 0) { n2 = (n2 + 1) | 0; if (n2 === 0) n3 = (n3 + 1) | 0; } }
  }
  if (dNeg) { dLo = -dLo | 0; dHi = (dLo === 0 ? -dHi : ~dHi) | 0; }
  if (!divU128(n3, n2, n1, n0, dLo, dHi)) return false;
  // Magnitude limit: 2^(bits-1) - 1, or 2^(bits-1) for a negative quotient.
  const neg = nNeg !== dNeg;
  if (bits === 64) {
    if (qHi < 0 && !(neg && qHi === (0x80000000 | 0) && qLo === 0)) return false;
  } else {
    if (qHi !== 0 || (qLo < 0 && !(neg && qLo === (0x80000000 | 0)))) return false;
  }
  if (neg) { qLo = -qLo | 0; qHi = (qLo === 0 ? -qHi : ~qHi) | 0; }
  if (nNeg) { rLo = -rLo | 0; rHi = (rLo === 0 ? -rHi : ~rHi) | 0; }
  return true;
}
