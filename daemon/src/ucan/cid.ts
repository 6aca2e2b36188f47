// Content identifiers of tokens: CIDv1, codec dag-cbor (0x71), multihash sha2-256, printed in base32 ("bafy…").
//
// Validation hashes every proof on every call, so the CID string is built directly (prefix bytes, digest,
// RFC 4648 base32 in lower case) rather than through CID objects; the result is what multiformats prints.
import * as nodeCrypto from 'node:crypto';
import { CID } from 'multiformats/cid';

// CIDv1 (0x01), dag-cbor (0x71), sha2-256 (0x12), 32-byte digest (0x20).
const cidPrefix = [0x01, 0x71, 0x12, 0x20] as const;
const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

// `crypto.hash` (one-shot, faster) exists from Node 20.12; older runtimes, such as an editor's Electron, fall back.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
function sha256(bytes: Uint8Array): Uint8Array {
  return oneShotHash ? oneShotHash('sha256', bytes, 'buffer') : nodeCrypto.createHash('sha256').update(bytes).digest();
}

// Every 10-bit value as its two base32 characters, so that five bytes (40 bits) take four lookups.
const base32Pairs: readonly string[] = Array.from({ length: 1024 }, (_, v) => base32Alphabet[v >> 5]! + base32Alphabet[v & 31]!);

function base32(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (const whole = bytes.length - (bytes.length % 5); i < whole; i += 5) {
    const high = (bytes[i]! << 12) | (bytes[i + 1]! << 4) | (bytes[i + 2]! >> 4);
    const low = ((bytes[i + 2]! & 15) << 16) | (bytes[i + 3]! << 8) | bytes[i + 4]!;
    out += base32Pairs[high >> 10]! + base32Pairs[high & 1023]! + base32Pairs[low >> 10]! + base32Pairs[low & 1023]!;
  }
  // The last one to four bytes, five bits at a time, the final character padded with zero bits.
  let buffer = 0;
  let bits = 0;
  for (; i < bytes.length; i++) {
    buffer = ((buffer << 8) | bytes[i]!) & 0xfff; // at most 4 + 8 bits are ever pending
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32Alphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += base32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** The CID of a token's envelope bytes. */
export function cidOf(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('cidOf needs the token bytes (a Uint8Array)');
  const cidBytes = new Uint8Array(36);
  cidBytes.set(cidPrefix, 0);
  cidBytes.set(sha256(bytes), 4);
  return `b${base32(cidBytes)}`;
}

/** The string form of a decoded link, the same as `cid.toString()` (base32 for CIDv1). */
export function cidToString(cid: CID): string {
  return cid.version === 1 ? `b${base32(cid.bytes)}` : cid.toString();
}

// Invocations list the same few proof CIDs again and again, so parsed CIDs are kept (bounded, oldest dropped
// first); CID objects are immutable.
const maxCachedCids = 4096;
const parsedCids = new Map<string, CID>();

/** Parses a CID string, with an error that says which field held it. */
export function parseCid(text: string, field: string): CID {
  const hit = parsedCids.get(text);
  if (hit !== undefined) return hit;
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch (error) {
    throw new Error(`${field} must be a CID string ("bafy…"), got "${text.length > 80 ? `${text.slice(0, 80)}…` : text}"`, {
      cause: error,
    });
  }
  if (parsedCids.size >= maxCachedCids) {
    const oldest = parsedCids.keys().next().value;
    if (oldest !== undefined) parsedCids.delete(oldest);
  }
  parsedCids.set(text, cid);
  return cid;
}
