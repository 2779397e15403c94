// Wide integer helpers without BigInt: 64x64->128 multiply and 128/64 divide on
// int32 pairs (for MUL/IMUL/DIV/IDIV, APM Vol.3). Results go to module scratch
// variables (read them right after the call); nothing is allocated.


/**
 * Results of the last call, read right after it: product words w0..w3 (least significant
 * first) of mulU64/mulS64 at WIDE_W0..WIDE_W3; quotient and remainder pairs of div* at
 * WIDE_QLO, WIDE_QHI, WIDE_RLO, WIDE_RHI. A typed array, so writing them is a plain store.
 */
export const wide = new Int32Array(8);
export const WIDE_W0 = 0, WIDE_W1 = 1, WIDE_W2 = 2, WIDE_W3 = 3, WIDE_QLO = 4, WIDE_QHI = 5, WIDE_RLO = 6, WIDE_RHI = 7;
let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
function publishProduct(): void {
  wide[WIDE_W0] = w0; wide[WIDE_W1] = w1; wide[WIDE_W2] = w2; wide[WIDE_W3] = w3;
}
function publishQuotient(): void {
  wide[WIDE_QLO] = qLo; wide[WIDE_QHI] = qHi; wide[WIDE_RLO] = rLo; wide[WIDE_RHI] = rHi;
}
let qLo = 0, qHi = 0, rLo = 0, rHi = 0;

/** Low and high halves of the last mul32 (unsigned, as non-negative numbers). */
let ml = 0, mh = 0;
/**
 * Unsigned 32x32 -> 64 product: the low word exactly from Math.imul; the high word from the
 * double product, which is within 2^11 of the true one, so rounding recovers it exactly.
 */
function mul32(a: number, b: number): void {
  const lo = Math.imul(a, b) >>> 0;
  ml = lo;
  mh = Math.round((a * b - lo) / 0x100000000);
}

/** Unsigned 64x64 -> 128 product of (aLo,aHi)*(bLo,bHi): four 32x32 products, column sums. */
export function mulU64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const a0 = aLo >>> 0, a1 = aHi >>> 0, b0 = bLo >>> 0, b1 = bHi >>> 0;
  mul32(a0, b0); const l00 = ml, h00 = mh;
  mul32(a0, b1); const l01 = ml, h01 = mh;
  mul32(a1, b0); const l10 = ml, h10 = mh;
  mul32(a1, b1); const l11 = ml, h11 = mh;
  const s1 = h00 + l01 + l10;
  const c1 = Math.floor(s1 / 0x100000000);
  const s2 = h01 + h10 + l11 + c1;
  const c2 = Math.floor(s2 / 0x100000000);
  w0 = l00 | 0;
  w1 = s1 | 0;
  w2 = s2 | 0;
  w3 = (h11 + c2) | 0;
  publishProduct();
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
    publishProduct();
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
    publishQuotient();
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
  publishQuotient();
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
  publishQuotient();
  return true;
}
