// The UCAN envelope (UCAN spec, "Envelope"):
//
//   [ signature bytes, { "h": varsig header bytes, "ucan/<tag>@1.0.0": payload } ]
//
// encoded as canonical DAG-CBOR. The signature is by the payload's `iss` over the DAG-CBOR bytes of the second
// element (the SigPayload). Signet signs with Ed25519 over DAG-CBOR, whose varsig v1 header is the 8 bytes
// 34 01 ed 01 ed 01 13 71 (the spec's example "NAHtAe0BE3E" and the reference fixture both carry it).
//
// Because a signature is always 64 bytes, a canonical envelope is 0x82 (list of 2), 0x58 0x40 (64 bytes), the
// signature, then the SigPayload bytes verbatim; encoding writes exactly that, and decoding reads the signed bytes
// straight out of the token. The SigPayload is written as canonical DAG-CBOR by @ipld/dag-cbor once payload.ts has
// checked that it holds only what the codec writes as given (no undefined, integer times, well-formed strings …).
// Decoding insists the signed bytes are canonical DAG-CBOR (dagCbor.ts), as the spec requires of
// everything signed, so no two spellings of one token can exist and no decoder can read a token differently from
// this one.
import { encode } from '@ipld/dag-cbor';
import { sameBytes } from './bytes';
import { decodeCanonicalDagCbor } from './dagCbor';
import { didWithoutFragment } from './didKey';
import { Ed25519Signer, ed25519SignatureProblem } from './ed25519';
import { ed25519DagCborVarsigHeader, envelopePrefix, signedOffset } from './envelopeLayout';
import { UcanError } from './errors';
import { isIpldMap } from './ipld';
import { checkDelegationPayload, delegationToWire, invocationFromWire, invocationToWire, requireFaithfulInvocationData } from './payload';
import type { Decoded, DelegationPayload, InvocationPayload } from './types';

export const delegationTag = 'ucan/dlg@1.0.0';
export const invocationTag = 'ucan/inv@1.0.0';

// The tags of the 1.0 release candidates, read (never written) for tokens of implementations that still use them.
const candidateTagOf = { delegation: 'ucan/dlg@1.0.0-rc.1', invocation: 'ucan/inv@1.0.0-rc.1' } as const;

type Kind = 'delegation' | 'invocation';
const tagOf = { delegation: delegationTag, invocation: invocationTag } as const;

/** The SigPayload of `wirePayload`, the bytes its issuer signs; the payload's data has been checked already. */
function signingInput(kind: Kind, wirePayload: Record<string, unknown>): Uint8Array {
  const sigPayload = { h: ed25519DagCborVarsigHeader, [tagOf[kind]]: wirePayload };
  try {
    return encode(sigPayload);
  } catch (error) {
    throw new UcanError('InvalidClaim', `the ${kind} payload cannot be encoded as DAG-CBOR: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** The token: signed bytes (a SigPayload) behind their 64-byte Ed25519 signature. */
function envelopeOf(signed: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new TypeError(`an Ed25519 signature is 64 bytes, got ${signature.length}`);
  const token = new Uint8Array(signedOffset + signed.length);
  token.set(envelopePrefix, 0);
  token.set(signature, envelopePrefix.length);
  token.set(signed, signedOffset);
  return token;
}

function requireIssuer(kind: Kind, iss: string, signer: Ed25519Signer): void {
  if (!(signer instanceof Ed25519Signer)) throw new TypeError(`signing a ${kind} needs an Ed25519Signer`);
  if (didWithoutFragment(iss) !== signer.did) {
    throw new UcanError(
      'InvalidClaim',
      `the ${kind}'s iss is ${iss}, but the signing key is ${signer.did}; a token is signed by its issuer, so set iss to the signer's DID`,
    );
  }
}

/** Signs a delegation with a signer whose key is already imported (the daemon's path). */
export function encodeDelegationWith(payload: DelegationPayload, signer: Ed25519Signer): Uint8Array {
  const checked = checkDelegationPayload(payload, 'caller');
  requireIssuer('delegation', checked.iss, signer);
  const signed = signingInput('delegation', delegationToWire(checked));
  return envelopeOf(signed, signer.sign(signed));
}

/** Signs an invocation with a signer whose key is already imported (the daemon's path). */
export function encodeInvocationWith(payload: InvocationPayload, signer: Ed25519Signer): Uint8Array {
  const wire = invocationToWire(payload);
  requireIssuer('invocation', wire.iss as string, signer);
  requireFaithfulInvocationData(wire);
  const signed = signingInput('invocation', wire);
  return envelopeOf(signed, signer.sign(signed));
}

/** Signs a delegation with a 32-byte Ed25519 private key. */
export function encodeDelegation(payload: DelegationPayload, seed: Uint8Array): Uint8Array {
  return encodeDelegationWith(payload, Ed25519Signer.fromSeed(seed));
}

/** Signs an invocation with a 32-byte Ed25519 private key. */
export function encodeInvocation(payload: InvocationPayload, seed: Uint8Array): Uint8Array {
  return encodeInvocationWith(payload, Ed25519Signer.fromSeed(seed));
}

interface OpenedEnvelope {
  wirePayload: unknown;
  /** A view into the token; copied only when handed to a caller. */
  signature: Uint8Array;
  signed: Uint8Array;
}

function malformed(kind: Kind, message: string, cause?: unknown): never {
  throw new UcanError('InvalidClaim', `this is not a valid UCAN ${kind}: ${message}`, cause === undefined ? undefined : { cause });
}

// The first element of the envelope, a byte string, as [offset of its bytes, their length]. Signet writes only
// 64-byte signatures, but reads any length in its shortest CBOR form, so that a token whose signature has the
// wrong length is refused as a bad signature (as the UCAN vectors expect) rather than as a malformed token.
function signatureSpan(bytes: Uint8Array, kind: Kind): [number, number] {
  const head = bytes[1];
  if (head === undefined || head >> 5 !== 2) malformed(kind, 'the envelope must start with the signature, a byte string');
  const info = head & 31;
  if (info < 24) return [2, info];
  if (info === 24 && bytes.length > 2 && bytes[2]! >= 24) return [3, bytes[2]!];
  if (info === 25 && bytes.length > 3 && (bytes[2]! << 8 | bytes[3]!) >= 256) return [4, bytes[2]! << 8 | bytes[3]!];
  return malformed(kind, 'the signature is not a byte string in its shortest form of at most 65535 bytes');
}

function open(bytes: Uint8Array, kind: Kind): OpenedEnvelope {
  if (!(bytes instanceof Uint8Array)) malformed(kind, 'expected the token bytes (a Uint8Array)');
  if (bytes.length === 0) malformed(kind, 'the token is empty');
  if (bytes[0] !== envelopePrefix[0]) {
    malformed(kind, 'a UCAN envelope is a DAG-CBOR list [signature, payload] (first byte 0x82)');
  }
  const [signatureAt, signatureLength] =
    bytes[1] === envelopePrefix[1] && bytes[2] === envelopePrefix[2] ? [envelopePrefix.length, 64] : signatureSpan(bytes, kind);
  const payloadAt = signatureAt + signatureLength;
  if (bytes.length < payloadAt + 1) malformed(kind, `the token is truncated (${bytes.length} bytes)`);
  const signed = bytes.subarray(payloadAt);
  let sigPayload: unknown;
  try {
    sigPayload = decodeCanonicalDagCbor(signed);
  } catch (error) {
    malformed(kind, `the signed payload is not canonical DAG-CBOR: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (!isIpldMap(sigPayload)) malformed(kind, 'the signed payload must be a map {h, "ucan/…": payload}');
  const keys = Object.keys(sigPayload);
  const tag = tagOf[kind];
  // Tokens of the 1.0 release candidates (iso-ucan 0.5 writes them) carry the same payload under the older tag.
  const foundTag = Object.hasOwn(sigPayload, tag) ? tag : Object.hasOwn(sigPayload, candidateTagOf[kind]) ? candidateTagOf[kind] : undefined;
  if (foundTag === undefined) {
    const otherTag = keys.find((key) => key !== 'h');
    const otherKind = kind === 'delegation' ? 'invocation' : 'delegation';
    if (otherTag === tagOf[otherKind] || otherTag === candidateTagOf[otherKind]) {
      malformed(kind, `it is a${kind === 'delegation' ? 'n invocation' : ' delegation'} (${otherTag})`);
    }
    malformed(kind, `expected a ${JSON.stringify(tag)} payload, found ${otherTag === undefined ? 'none' : JSON.stringify(otherTag)}`);
  }
  if (keys.length !== 2 || !Object.hasOwn(sigPayload, 'h')) {
    malformed(kind, `the signed payload must hold exactly "h" and ${JSON.stringify(foundTag)}, found ${keys.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const header = sigPayload.h;
  if (!(header instanceof Uint8Array) || !sameBytes(header, ed25519DagCborVarsigHeader)) {
    malformed(
      kind,
      'unsupported varsig header; Signet reads Ed25519 signatures over DAG-CBOR (header 34 01 ed 01 ed 01 13 71)',
    );
  }
  return { wirePayload: sigPayload[foundTag], signature: bytes.subarray(signatureAt, payloadAt), signed };
}

function signatureError(kind: Kind, opened: OpenedEnvelope, iss: string): UcanError | null {
  const problem = ed25519SignatureProblem(iss, opened.signed, opened.signature);
  return problem === null ? null : new UcanError('InvalidSignature', `the ${kind}'s signature by ${iss} is not valid: ${problem}`);
}

function verified<P extends { iss: string }>(kind: Kind, opened: OpenedEnvelope, payload: P): P {
  const error = signatureError(kind, opened, payload.iss);
  if (error !== null) throw error;
  return payload;
}

// Anything unexpected while reading hostile bytes is still just a bad token, never a different kind of error.
function asUcanError(kind: Kind, error: unknown): UcanError {
  if (error instanceof UcanError) return error;
  return new UcanError('InvalidClaim', `this is not a valid UCAN ${kind}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

function readDelegation(bytes: Uint8Array): [DelegationPayload, OpenedEnvelope] {
  try {
    const opened = open(bytes, 'delegation');
    return [verified('delegation', opened, checkDelegationPayload(opened.wirePayload, 'wire')), opened];
  } catch (error) {
    throw asUcanError('delegation', error);
  }
}

function readInvocation(bytes: Uint8Array): [InvocationPayload, OpenedEnvelope] {
  try {
    const opened = open(bytes, 'invocation');
    return [verified('invocation', opened, invocationFromWire(opened.wirePayload)), opened];
  } catch (error) {
    throw asUcanError('invocation', error);
  }
}

/**
 * A token read and shape-checked whose signature is not checked yet: validation checks time bounds and principal
 * alignment before signatures, in the order the delegation spec lists them. `signatureError()` is null for a
 * signature that verifies against the payload's `iss`.
 */
export interface UnverifiedToken<P> {
  payload: P;
  signatureError(): UcanError | null;
}

function unverified<P extends { iss: string }>(kind: Kind, bytes: Uint8Array, check: (wire: unknown) => P): UnverifiedToken<P> {
  try {
    const opened = open(bytes, kind);
    const payload = check(opened.wirePayload);
    return { payload, signatureError: () => signatureError(kind, opened, payload.iss) };
  } catch (error) {
    throw asUcanError(kind, error);
  }
}

/** Reads a delegation without checking its signature yet; throws a UcanError for a malformed one. */
export function readDelegationUnverified(bytes: Uint8Array): UnverifiedToken<DelegationPayload> {
  return unverified('delegation', bytes, (wire) => checkDelegationPayload(wire, 'wire'));
}

/** Reads an invocation without checking its signature yet; throws a UcanError for a malformed one. */
export function readInvocationUnverified(bytes: Uint8Array): UnverifiedToken<InvocationPayload> {
  return unverified('invocation', bytes, invocationFromWire);
}

/** Decodes a delegation and checks its shape and its signature by `iss`; throws a UcanError otherwise. */
export function decodeDelegation(bytes: Uint8Array): Decoded<DelegationPayload> {
  const [payload, opened] = readDelegation(bytes);
  // A copy, and a plain Uint8Array even from a Buffer, whose slice() would share the token's memory.
  return { payload, signature: new Uint8Array(opened.signature) };
}

/** Decodes an invocation and checks its shape and its signature by `iss`; throws a UcanError otherwise. */
export function decodeInvocation(bytes: Uint8Array): Decoded<InvocationPayload> {
  const [payload, opened] = readInvocation(bytes);
  return { payload, signature: new Uint8Array(opened.signature) };
}

/** `decodeDelegation` for validation, which needs only the payload: the signature is checked but not copied. */
export function decodeDelegationPayload(bytes: Uint8Array): DelegationPayload {
  return readDelegation(bytes)[0];
}

/** `decodeInvocation` for validation, which needs only the payload: the signature is checked but not copied. */
export function decodeInvocationPayload(bytes: Uint8Array): InvocationPayload {
  return readInvocation(bytes)[0];
}
