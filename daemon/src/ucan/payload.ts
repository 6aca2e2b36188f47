// Shape checks for delegation and invocation payloads, in both directions: what the caller asks us to sign and
// what a token we decode carries. Both go through the same rules so that we never sign what we would refuse.
//
// The typed payloads (types.ts) hold links as CID strings; the wire form holds CID objects (DAG-CBOR tag 42).
// Optional fields are left out when absent: DAG-CBOR has no `undefined`, and a null would change the token.
import { CID } from 'multiformats/cid';
import { cidToString, parseCid } from './cid';
import { commandProblem } from './command';
import { isDid } from './didKey';
import { UcanError, PolicySyntaxError } from './errors';
import { describeValue, ipldValueProblem, isCid, isIpldMap } from './ipld';
import { compilePolicy, compilePolicyCached } from './policy';
import type { DelegationPayload, InvocationPayload, Policy } from './types';

const delegationFields = new Set(['iss', 'aud', 'sub', 'cmd', 'pol', 'nonce', 'exp', 'nbf', 'meta']);
const invocationFields = new Set(['iss', 'sub', 'aud', 'cmd', 'args', 'prf', 'nonce', 'exp', 'iat', 'meta', 'cause']);

type Kind = 'delegation' | 'invocation';

function invalid(kind: Kind, message: string, cause?: unknown): never {
  throw new UcanError('InvalidClaim', `the ${kind} payload is invalid: ${message}`, cause === undefined ? undefined : { cause });
}

function requireMap(value: unknown, kind: Kind): Record<string, unknown> {
  if (!isIpldMap(value)) invalid(kind, `the payload must be a map, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

function checkFieldNames(raw: Record<string, unknown>, allowed: ReadonlySet<string>, kind: Kind): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) invalid(kind, `unexpected field ${JSON.stringify(key)}; allowed are ${[...allowed].join(', ')}`);
  }
}

function did(raw: Record<string, unknown>, field: string, kind: Kind, alternative = ''): string {
  const value = raw[field];
  if (!isDid(value)) invalid(kind, `${field} must be a DID such as "did:key:z6Mk…"${alternative}, got ${describeValue(value)}`);
  return value as string;
}

function command(raw: Record<string, unknown>, kind: Kind): string {
  const problem = commandProblem(raw.cmd);
  if (problem !== null) invalid(kind, `cmd: ${problem}`);
  return raw.cmd as string;
}

function nonce(raw: Record<string, unknown>, kind: Kind): Uint8Array {
  if (!(raw.nonce instanceof Uint8Array)) invalid(kind, `nonce must be bytes, got ${describeValue(raw.nonce)}`);
  return raw.nonce as Uint8Array;
}

// Times are integer unix seconds within ±(2^53 − 1) (UCAN spec, "Time Bounds"): exactly the safe integers.
function time(value: unknown, field: string, kind: Kind, alternative = ''): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    invalid(kind, `${field} must be an integer number of unix seconds within ±(2^53 − 1)${alternative}, got ${describeValue(value)}`);
  }
  return value as number;
}

// Where a payload comes from: a caller's object may hold anything, decoded DAG-CBOR holds only IPLD data.
export type PayloadSource = 'caller' | 'wire';

function map(value: unknown, field: string, kind: Kind): Record<string, unknown> {
  if (!isIpldMap(value)) invalid(kind, `${field} must be a map, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

// What a caller asks us to sign must be data the encoder writes exactly as given (ipld.ts says what it would
// otherwise change), checked field by field so the error names the field. Decoded payloads need no such check:
// the decoder accepts only bytes that are the canonical encoding of what they hold.
function requireFaithfulData(fields: Record<string, unknown>, kind: Kind): void {
  for (const field of Object.keys(fields)) {
    const problem = ipldValueProblem(fields[field]);
    if (problem !== null) invalid(kind, `${field} is not IPLD data: ${problem}`);
  }
}

// A decoded policy is frozen, so that its compiled form, cached against the array, can never go stale.
function deepFreeze(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
    Object.freeze(value);
  } else if (isIpldMap(value)) {
    for (const key of Object.keys(value)) deepFreeze(value[key]);
    Object.freeze(value);
  }
}

function policy(value: unknown, kind: Kind, source: PayloadSource): Policy {
  try {
    if (!Array.isArray(value)) throw new PolicySyntaxError('a policy is a list of statements');
    if (source === 'wire') {
      deepFreeze(value);
      compilePolicyCached(value as Policy);
    } else {
      // A caller's array may still change after this call, so its compiled form is not cached.
      compilePolicy(value);
    }
  } catch (error) {
    if (error instanceof PolicySyntaxError) invalid(kind, `pol is malformed: ${error.message}`, error);
    throw error;
  }
  return value as Policy;
}

/** A delegation payload checked field by field, from a decoded token or from a caller. */
export function checkDelegationPayload(input: unknown, source: PayloadSource): DelegationPayload {
  const kind = 'delegation';
  const raw = requireMap(input, kind);
  checkFieldNames(raw, delegationFields, kind);
  const payload: DelegationPayload = {
    iss: did(raw, 'iss', kind),
    aud: did(raw, 'aud', kind),
    sub: raw.sub === null ? null : did(raw, 'sub', kind, ' (or null for a powerline)'),
    cmd: command(raw, kind),
    pol: policy(raw.pol, kind, source),
    nonce: nonce(raw, kind),
    exp: raw.exp === null ? null : time(raw.exp, 'exp', kind, ' (or null for no expiry)'),
  };
  if (raw.nbf !== undefined) payload.nbf = time(raw.nbf, 'nbf', kind);
  if (raw.meta !== undefined) payload.meta = map(raw.meta, 'meta', kind);
  if (source === 'caller') requireFaithfulData(delegationToWire(payload), kind);
  return payload;
}

/** The DAG-CBOR form of a checked delegation payload. */
export function delegationToWire(payload: DelegationPayload): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    iss: payload.iss,
    aud: payload.aud,
    sub: payload.sub,
    cmd: payload.cmd,
    pol: payload.pol,
    nonce: payload.nonce,
    exp: payload.exp,
  };
  if (payload.nbf !== undefined) wire.nbf = payload.nbf;
  if (payload.meta !== undefined) wire.meta = payload.meta;
  return wire;
}

function cidString(value: unknown, field: string, kind: Kind): string {
  if (isCid(value)) return cidToString(value);
  return invalid(kind, `${field} must be a CID link, got ${describeValue(value)}`);
}

function cidFromString(value: unknown, field: string, kind: Kind): CID {
  if (typeof value !== 'string') return invalid(kind, `${field} must be a CID string ("bafy…"), got ${describeValue(value)}`);
  try {
    return parseCid(value, field);
  } catch (error) {
    return invalid(kind, error instanceof Error ? error.message : String(error), error);
  }
}

function checkInvocationCommon(raw: Record<string, unknown>, kind: Kind): Omit<InvocationPayload, 'prf' | 'cause'> {
  const payload: Omit<InvocationPayload, 'prf' | 'cause'> = {
    iss: did(raw, 'iss', kind),
    sub: did(raw, 'sub', kind),
    cmd: command(raw, kind),
    args: map(raw.args, 'args', kind),
    nonce: nonce(raw, kind),
    exp: raw.exp === null ? null : time(raw.exp, 'exp', kind, ' (or null for no expiry)'),
  };
  if (raw.aud !== undefined) payload.aud = did(raw, 'aud', kind);
  if (raw.iat !== undefined) payload.iat = time(raw.iat, 'iat', kind);
  if (raw.meta !== undefined) payload.meta = map(raw.meta, 'meta', kind);
  if (!Array.isArray(raw.prf)) invalid(kind, `prf must be a list of delegation CIDs, got ${describeValue(raw.prf)}`);
  return payload;
}

/** An invocation payload from a decoded token (links as CID objects). */
export function invocationFromWire(input: unknown): InvocationPayload {
  const kind = 'invocation';
  const raw = requireMap(input, kind);
  checkFieldNames(raw, invocationFields, kind);
  const common = checkInvocationCommon(raw, kind);
  const links = raw.prf as unknown[];
  const prf: string[] = [];
  for (let i = 0; i < links.length; i++) {
    const link = links[i];
    // The field's name is only spelled out when it is needed for an error.
    prf.push(isCid(link) ? cidToString(link) : cidString(link, `prf[${i}]`, kind));
  }
  const payload: InvocationPayload = { ...common, prf };
  if (raw.cause !== undefined) payload.cause = cidString(raw.cause, 'cause', kind);
  return payload;
}

/**
 * The DAG-CBOR form of a caller's invocation payload, its shape checked. Whether the data it holds is written
 * faithfully is `requireFaithfulInvocationData`'s to check, which signing asks before it encodes.
 */
export function invocationToWire(input: InvocationPayload): Record<string, unknown> {
  const kind = 'invocation';
  const raw = requireMap(input, kind);
  checkFieldNames(raw, invocationFields, kind);
  const common = checkInvocationCommon(raw, kind);
  const wire: Record<string, unknown> = {
    iss: common.iss,
    sub: common.sub,
    cmd: common.cmd,
    args: common.args,
    prf: (raw.prf as unknown[]).map((link, i) => cidFromString(link, `prf[${i}]`, kind)),
    nonce: common.nonce,
    exp: common.exp,
  };
  if (common.aud !== undefined) wire.aud = common.aud;
  if (common.iat !== undefined) wire.iat = common.iat;
  if (common.meta !== undefined) wire.meta = common.meta;
  if (raw.cause !== undefined) wire.cause = cidFromString(raw.cause, 'cause', kind);
  return wire;
}

/** Throws, naming the field, when an invocation's wire form holds what DAG-CBOR would not write as given. */
export function requireFaithfulInvocationData(wire: Record<string, unknown>): void {
  requireFaithfulData(wire, 'invocation');
}
