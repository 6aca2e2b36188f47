// did:key for Ed25519: "did:key:" + base58btc(multicodec 0xed01 ‖ 32-byte public key), which reads "did:key:z6Mk…".
import { base58btc } from 'multiformats/bases/base58';
import { ed25519PublicKeyLength, ed25519PublicKeyProblem } from './ed25519Key';

const didKeyPrefix = 'did:key:';
// The unsigned varint of multicodec 0xed (ed25519-pub).
const ed25519Multicodec = [0xed, 0x01] as const;

// Other key types people paste by mistake, so that the error can say what the key is instead of "malformed".
const otherKeyTypes: ReadonlyArray<{ prefix: readonly number[]; name: string }> = [
  { prefix: [0xe7, 0x01], name: 'secp256k1' },
  { prefix: [0x80, 0x24], name: 'P-256' },
  { prefix: [0x81, 0x24], name: 'P-384' },
  { prefix: [0xec, 0x01], name: 'X25519' },
  { prefix: [0x85, 0x24], name: 'RSA' },
];

export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ed25519PublicKeyLength) {
    throw new Error(`cannot make a did:key: an Ed25519 public key is ${ed25519PublicKeyLength} bytes`);
  }
  const bytes = new Uint8Array(2 + ed25519PublicKeyLength);
  bytes.set(ed25519Multicodec, 0);
  bytes.set(publicKey, 2);
  return didKeyPrefix + base58btc.encode(bytes);
}

/**
 * The raw public key of an Ed25519 did:key. Throws, naming the problem, for anything that is not one, for a
 * non-Ed25519 key, and for a key that must never verify anything (small order, off the curve, non-canonical).
 * A fragment is accepted only in the did:key form `did:key:z…#z…` where it repeats the key.
 */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string') throw new Error('a DID must be a string');
  const shown = did.length > 120 ? `${did.slice(0, 120)}…` : did;
  if (!did.startsWith(didKeyPrefix)) {
    throw new Error(`"${shown}" is not a did:key; Signet identities are Ed25519 did:keys ("did:key:z6Mk…")`);
  }
  const hash = did.indexOf('#');
  const id = hash === -1 ? did.slice(didKeyPrefix.length) : did.slice(didKeyPrefix.length, hash);
  if (hash !== -1 && did.slice(hash + 1) !== id) {
    throw new Error(`"${shown}" has a fragment that does not repeat its key; use the bare did:key`);
  }
  if (!id.startsWith('z')) {
    throw new Error(`"${shown}" is not base58btc-encoded (a did:key starts with "did:key:z")`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(id);
  } catch (error) {
    throw new Error(`"${shown}" is not valid base58btc`, { cause: error });
  }
  if (bytes[0] !== ed25519Multicodec[0] || bytes[1] !== ed25519Multicodec[1]) {
    const other = otherKeyTypes.find((type) => type.prefix.every((byte, i) => bytes[i] === byte));
    throw new Error(
      other
        ? `"${shown}" is a ${other.name} key; Signet verifies only Ed25519 did:keys ("did:key:z6Mk…")`
        : `"${shown}" is not an Ed25519 did:key (multicodec 0xed01); Signet verifies only Ed25519 keys`,
    );
  }
  if (bytes.length !== 2 + ed25519PublicKeyLength) {
    throw new Error(`"${shown}" holds ${bytes.length - 2} key bytes; an Ed25519 did:key holds ${ed25519PublicKeyLength}`);
  }
  const publicKey = bytes.slice(2);
  const problem = ed25519PublicKeyProblem(publicKey);
  if (problem !== null) throw new Error(`"${shown}" cannot be used: ${problem}`);
  return publicKey;
}

/** A DID without its fragment: principal alignment compares DIDs this way (delegation spec, "Principal Alignment"). */
export function didWithoutFragment(did: string): string {
  const hash = did.indexOf('#');
  return hash === -1 ? did : did.slice(0, hash);
}

// DID syntax (W3C DID Core): "did:" method ":" method-specific-id, with an optional fragment. Paths and queries
// are not used by UCAN principals and are refused so that two spellings cannot name one principal.
const didPattern = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-](?:#[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?$/;

export function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && didPattern.test(value);
}
