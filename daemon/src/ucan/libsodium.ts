// Ed25519 through libsodium (the `sodium-native` binding), when it loads; ed25519Implementation.ts chooses it.
//
// Node's bundled OpenSSL computes Ed25519 with its portable 32-bit field arithmetic; libsodium uses 64-bit
// arithmetic and signs and verifies in about half the time on x86-64 and arm64.
import { createRequire } from 'node:module';
import type { Ed25519Implementation } from './ed25519Implementation';

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

/** Ed25519 on libsodium, or why its binding did not load. */
export function loadLibsodiumEd25519(): Ed25519Implementation | string {
  let sodium: SodiumNative;
  try {
    // A run-time require: the native binding is never bundled (esbuild keeps it external). The CLI bundle is
    // CommonJS and has `require`; the sources run as ES modules under tsx (tests, benchmarks).
    const requireHere = typeof require === 'function' ? require : createRequire(import.meta.url);
    sodium = requireHere('sodium-native') as SodiumNative;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }
  return {
    library: 'libsodium',
    keyPair(seed) {
      const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
      // The secret key lives in libsodium's guarded memory; the seed copy handed over is wiped at once.
      const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
      const seedCopy = Buffer.from(seed);
      sodium.crypto_sign_seed_keypair(publicKey, secretKey, seedCopy);
      sodium.sodium_memzero(seedCopy);
      return {
        publicKey: new Uint8Array(publicKey),
        sign(message) {
          // Its own memory, as node:crypto's signatures have: not a view into a shared pool.
          const signature = new Uint8Array(sodium.crypto_sign_BYTES);
          sodium.crypto_sign_detached(signature, message, secretKey);
          return signature;
        },
      };
    },
    verifier(publicKey) {
      const key = Uint8Array.from(publicKey);
      return (message, signature) => sodium.crypto_sign_verify_detached(signature, message, key);
    },
  };
}
