// Nonces for the tokens the daemon signs: 12 bytes from the operating system's CSPRNG, as fresh as one
// `randomBytes(12)` each. They are cut from a pool filled a few kilobytes at a time, because one call into
// the random generator costs more than the copy of its bytes, and a warm authorize needs a nonce every time
// (node's own randomUUID keeps such a pool for the same reason). Nonces are public once used.
import { randomBytes } from 'node:crypto';

export const NONCE_BYTES = 12;
const POOL_BYTES = NONCE_BYTES * 512;

let pool = randomBytes(POOL_BYTES);
let next = 0;

/** A new random nonce; no two calls share bytes. */
export function freshNonce(): Uint8Array {
  if (next + NONCE_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    next = 0;
  }
  // A copy, so that a nonce never shares memory with the pool or another nonce.
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(pool.subarray(next, next + NONCE_BYTES));
  next += NONCE_BYTES;
  return nonce;
}
