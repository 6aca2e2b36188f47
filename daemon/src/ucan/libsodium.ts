// Ed25519 through libsodium (the `sodium-native` binding), when it loads.
//
// Node's bundled OpenSSL computes Ed25519 with its portable 32-bit field arithmetic; libsodium uses 64-bit
// arithmetic and signs and verifies in about half the time on x86-64 and arm64. A signature is the one cost every
// authorize pays, and verifications are most of what validating a chain costs, so both happen here when they can.
// Ed25519 signatures are deterministic (RFC 8032): both libraries produce the same 64 bytes for the same key and
// message, so which one signed is invisible in a token; and ed25519.ts refuses, for either library, the inputs on
// which their verdicts could differ. Anything that stops the binding from loading (a platform without a prebuilt
// binary, an editor runtime that refuses native modules) leaves Ed25519 on node:crypto.

import { createRequire } from 'node:module';

/** The part of sodium-native used here. */
interface SodiumNative {
  crypto_sign_SECRETKEYBYTES: number;
  crypto_sign_PUBLICKEYBYTES: number;
  crypto_sign_BYTES: number;
  crypto_sign_seed_keypair(publicKey: Buffer, secretKey: Buffer, seed: Buffer): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Buffer): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  sodium_malloc(size: number): Buffer;
  sodium_memzero(buffer: Buffer): void;
}

let binding: SodiumNative | null | undefined;
let unavailableBecause = '';

function loadBinding(): SodiumNative | null {
  if (binding === undefined) {
    try {
      // A run-time require: the native binding is never bundled (esbuild keeps it external). The CLI bundle is
      // CommonJS and has `require`; the sources run as ES modules under tsx (tests, benchmarks).
      const requireHere = typeof require === 'function' ? require : createRequire(import.meta.url);
      binding = requireHere('sodium-native') as SodiumNative;
    } catch (error) {
      binding = null;
      unavailableBecause = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
  }
  return binding;
}

export type Ed25519Library = 'libsodium' | 'node:crypto';

/** Which library signs and verifies in this process, and why not libsodium when it is node:crypto. */
export function ed25519Library(): { library: Ed25519Library; reason?: string } {
  return loadBinding() ? { library: 'libsodium' } : { library: 'node:crypto', reason: `sodium-native did not load: ${unavailableBecause}` };
}

/**
 * A signing function for the 32-byte `seed` through libsodium, with the key held in libsodium's guarded memory;
 * undefined when the binding is not available or fails here. `publicKey` is the key node:crypto derived from the
 * same seed: a binding that derives another is not used.
 */
export function libsodiumSignerFor(seed: Uint8Array, publicKey: Uint8Array): ((message: Uint8Array) => Uint8Array) | undefined {
  const sodium = loadBinding();
  if (!sodium) return undefined;
  try {
    const derivedPublicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
    const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
    const seedCopy = Buffer.from(seed);
    sodium.crypto_sign_seed_keypair(derivedPublicKey, secretKey, seedCopy);
    sodium.sodium_memzero(seedCopy);
    if (!derivedPublicKey.equals(publicKey)) return undefined;
    const signatureBytes = sodium.crypto_sign_BYTES;
    return (message) => {
      // Its own memory, as node:crypto's signatures have: not a view into a shared pool.
      const signature = new Uint8Array(signatureBytes);
      sodium.crypto_sign_detached(signature, message, secretKey);
      return signature;
    };
  } catch {
    return undefined;
  }
}

/**
 * libsodium's verdict on an Ed25519 signature, or undefined when the binding is not available. The caller has
 * already refused what libsodium refuses before the equation (non-canonical S, small-order R, a small-order or
 * non-canonical key; see ed25519.ts), so that node:crypto in its place gives the same verdict.
 */
export function libsodiumVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean | undefined {
  const sodium = loadBinding();
  if (!sodium) return undefined;
  return sodium.crypto_sign_verify_detached(signature, message, publicKey);
}
