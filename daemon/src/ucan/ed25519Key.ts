// Checks on raw Ed25519 public keys and signatures that node:crypto does not make.
//
// node:crypto (like WebCrypto, noble and tweetnacl) accepts a small-order public key together with an
// identity-like signature for *any* message, so a token "signed" by such a key proves nothing. Every key is
// therefore checked here before it is used to verify anything.
import { Point } from '@noble/ed25519';

export const ed25519PublicKeyLength = 32;
export const ed25519SignatureLength = 64;

// The eight points of small order, in their canonical encodings, and every non-canonical encoding of them
// (the "negative zero" sign bit on x = 0, and y = p, y = p + 1, which decoders that do not reduce y accept).
// No other 32-byte string decodes to a small-order point: only y ∈ {0, 1, p−1, ±y₈} are small, and only
// 0 and 1 have a second encoding below 2^255.
const smallOrderEncodings = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (order 1)
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, x sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, −1), order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // (0, −1), x sign bit set
  '0000000000000000000000000000000000000000000000000000000000000000', // (±√−1, 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p ≡ 0
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 ≡ 1
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
]);

/** Every encoding of a small-order point, for tests and for callers that want to show the list. */
export const smallOrderPublicKeys: readonly string[] = [...smallOrderEncodings];

/** True for every encoding of a small-order point: public keys, and the R of a signature. */
export function isSmallOrderEncoding(point: Uint8Array): boolean {
  return point.length === ed25519PublicKeyLength && smallOrderEncodings.has(Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString('hex'));
}

/** Why a public key is unusable, or `null` when it is a canonical, prime-order-capable curve point. */
export function ed25519PublicKeyProblem(publicKey: Uint8Array): string | null {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ed25519PublicKeyLength) {
    return `an Ed25519 public key is ${ed25519PublicKeyLength} bytes`;
  }
  if (isSmallOrderEncoding(publicKey)) {
    return 'it is a small-order point, which would verify forged signatures';
  }
  let point: Point;
  try {
    // Strict RFC 8032 decoding: a non-canonical y or "negative zero" x is refused.
    point = Point.fromBytes(publicKey, false);
  } catch (error) {
    return `it is not a canonical encoding of a point on the Ed25519 curve (${error instanceof Error ? error.message : String(error)})`;
  }
  // The list above is complete, so this is defence in depth rather than the real check.
  if (point.isSmallOrder()) return 'it is a small-order point, which would verify forged signatures';
  return null;
}

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const groupOrderLittleEndian = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * True when the signature is 64 bytes and its scalar S is below the group order. A signature with S ≥ L is a
 * malleated copy of a valid one (S + L verifies in lenient verifiers), so it is refused whatever the verifier says.
 */
export function isCanonicalSignature(signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== ed25519SignatureLength) return false;
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = groupOrderLittleEndian[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}
