// The one library that signs and verifies Ed25519 in this process, chosen the first time either is needed:
// libsodium (libsodium.ts) where its binding loads, since it takes about half the time of the Ed25519 in Node's
// bundled OpenSSL and so about a sixth of the daemon's work per authorize under load; node:crypto otherwise (a
// platform without a prebuilt binary, an editor runtime that refuses native modules). Ed25519 signatures are
// deterministic (RFC 8032), so either makes the same 64 bytes for a key and a message; ed25519.ts refuses,
// before either is asked, the inputs on which their verdicts could differ.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { loadLibsodiumEd25519 } from './libsodium';

export type Ed25519Library = 'libsodium' | 'node:crypto';

/** A private key as the implementation holds it: its public key, and signing with it. */
export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface Ed25519Implementation {
  readonly library: Ed25519Library;
  /** The key of a 32-byte seed (the RFC 8032 private key); the caller keeps its own copy of the seed. */
  keyPair(seed: Uint8Array): Ed25519KeyPair;
  /** A verifier for a 32-byte public key that ed25519Key.ts has found usable; made once per key and cached. */
  verifier(publicKey: Uint8Array): (message: Uint8Array, signature: Uint8Array) => boolean;
}

// Fixed DER wrappers around raw Ed25519 keys (RFC 8410): PKCS#8 for a 32-byte seed, SPKI for a public key.
// Importing a raw key into a KeyObject costs far more than a signature (≈13× for a verify), so each key is
// imported once.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

export const nodeCryptoEd25519: Ed25519Implementation = {
  library: 'node:crypto',
  keyPair(seed) {
    const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    return {
      publicKey: new Uint8Array(spki.subarray(spkiPrefix.length)),
      sign(message) {
        const signature = sign(null, message, privateKey);
        return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
      },
    };
  },
  verifier(publicKey) {
    const keyObject = createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' });
    return (message, signature) => verify(null, message, keyObject, signature);
  },
};

let chosen: { implementation: Ed25519Implementation; reason?: string } | undefined;

function choose(): { implementation: Ed25519Implementation; reason?: string } {
  if (!chosen) {
    const libsodium = loadLibsodiumEd25519();
    chosen = typeof libsodium === 'string' ? { implementation: nodeCryptoEd25519, reason: `sodium-native did not load: ${libsodium}` } : { implementation: libsodium };
  }
  return chosen;
}

/** The implementation every signature and verification of this process goes through. */
export function ed25519Implementation(): Ed25519Implementation {
  return choose().implementation;
}

/** Which library that is, and why not libsodium when it is node:crypto (for the daemon's status and log). */
export function ed25519Library(): { library: Ed25519Library; reason?: string } {
  const { implementation, reason } = choose();
  return reason === undefined ? { library: implementation.library } : { library: implementation.library, reason };
}
