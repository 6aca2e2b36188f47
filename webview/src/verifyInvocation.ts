// The webview checks every invocation it shows by itself, with public keys only: the envelope's Ed25519
// signature by the payload's issuer, that the issuer is the agent the audit record names, and that the
// envelope's CID is the one the record gives. It trusts neither the extension nor the daemon for this.
//
// Envelope (UCAN spec): DAG-CBOR [signature, { h: varsig header, "ucan/inv@1.0.0": payload }]; the
// signature covers the DAG-CBOR bytes of the second element, which in a canonical envelope follow the
// 64 signature bytes verbatim.
import * as ed from '@noble/ed25519';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { sameBytes } from '../../daemon/src/ucan/bytes';
import { decodeCanonicalDagCbor } from '../../daemon/src/ucan/dagCbor';
import { ed25519DagCborVarsigHeader, envelopePrefix, signedOffset } from '../../daemon/src/ucan/envelopeLayout';

export type Verification =
  | { status: 'verified'; issuer: string; cid: string }
  | { status: 'invalid'; reason: string }
  | { status: 'unavailable'; reason: string };

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The Ed25519 public key of a did:key, refusing other key types and small-order points. */
export function publicKeyOfDid(did: string): Uint8Array {
  if (!did.startsWith('did:key:z')) throw new Error(`${did.slice(0, 40)} is not an Ed25519 did:key`);
  const bytes = base58btc.decode(did.slice('did:key:'.length).split('#')[0] ?? '');
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) throw new Error('the did:key is not an Ed25519 key');
  const key = bytes.slice(2);
  // A small-order key with an identity signature "verifies" any message: never accept one.
  if (ed.Point.fromBytes(key).isSmallOrder()) throw new Error('the did:key is a small-order point');
  return key;
}

async function cidOf(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return CID.createV1(0x71, createDigest(0x12, hash)).toString();
}

/**
 * Verifies a base64 invocation envelope against what the audit record claims: `expectedIssuer` (the
 * agent's DID) and `expectedCid`.
 */
export async function verifyInvocation(tokenBase64: string, expectedIssuer: string | null, expectedCid: string | undefined): Promise<Verification> {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(tokenBase64);
  } catch {
    return { status: 'invalid', reason: 'the invocation is not valid base64' };
  }
  if (bytes.length <= signedOffset || !sameBytes(bytes.subarray(0, envelopePrefix.length), envelopePrefix)) {
    return { status: 'invalid', reason: 'the invocation is not a UCAN envelope with a 64-byte signature' };
  }
  const signature = bytes.subarray(envelopePrefix.length, signedOffset);
  const signed = bytes.subarray(signedOffset);
  let sigPayload: unknown;
  try {
    // The daemon's own strict decoder: a signed part with two spellings would have two CIDs.
    sigPayload = decodeCanonicalDagCbor(signed);
  } catch (error) {
    return { status: 'invalid', reason: `the signed part is not canonical DAG-CBOR: ${(error as Error).message}` };
  }
  if (typeof sigPayload !== 'object' || sigPayload === null) return { status: 'invalid', reason: 'the signed part is not a map' };
  const entries = sigPayload as Record<string, unknown>;
  const header = entries.h;
  if (!(header instanceof Uint8Array) || !sameBytes(header, ed25519DagCborVarsigHeader)) {
    return { status: 'invalid', reason: 'the varsig header is not Ed25519 over DAG-CBOR' };
  }
  const tag = Object.keys(entries).find((k) => k.startsWith('ucan/inv@'));
  const payload = tag ? entries[tag] : undefined;
  if (typeof payload !== 'object' || payload === null) return { status: 'invalid', reason: 'the envelope holds no invocation payload' };
  const iss = (payload as Record<string, unknown>).iss;
  if (typeof iss !== 'string') return { status: 'invalid', reason: 'the invocation has no issuer' };
  if (expectedIssuer !== null && iss !== expectedIssuer) {
    return { status: 'invalid', reason: `signed by ${iss.slice(0, 24)}…, not by the agent the log names` };
  }
  let key: Uint8Array;
  try {
    key = publicKeyOfDid(iss);
  } catch (error) {
    return { status: 'invalid', reason: (error as Error).message };
  }
  let valid = false;
  try {
    // RFC 8032 strict verification rather than the library's ZIP-215 default.
    valid = await ed.verifyAsync(signature, signed, key, { zip215: false });
  } catch (error) {
    return { status: 'invalid', reason: `the signature could not be checked: ${(error as Error).message}` };
  }
  if (!valid) return { status: 'invalid', reason: 'the Ed25519 signature does not match' };
  const cid = await cidOf(bytes);
  if (expectedCid !== undefined && cid !== expectedCid) {
    return { status: 'invalid', reason: `the envelope's CID is ${cid}, not the ${expectedCid} the log records` };
  }
  return { status: 'verified', issuer: iss, cid };
}
