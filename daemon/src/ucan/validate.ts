// Validation of an invocation and its proof chain (invocation spec, "Proof Chains"; delegation spec, "Token
// Validation").
//
// Chain order: `prf[0]` is the delegation whose `aud` is the invoker, each next one was delegated to the issuer
// of the one before, and the last is the root, whose `iss` is the subject. Every rule below must hold:
//
//   InvalidClaim      the invocation or a proof is malformed; `prf` is empty; a delegation's command does not
//                     cover the invoked command (by path segment); a proof is revoked; the nonce was seen before
//   UnavailableProof  a CID in `prf` has no matching bytes among `proofs`
//   InvalidSignature  any signature (invocation or proof) does not verify against its `iss`
//   InvalidAudience   `prf[0].aud` is not the invoker, or `prf[i+1].aud` is not `prf[i].iss`, or the invocation
//                     names an `aud` other than its subject (the executor here is the subject itself)
//   InvalidSubject    the root's `iss` is not its `sub`, or a delegation names a different subject, or the
//                     invocation's `sub` is not the chain's subject
//   Expired/TooEarly  the invocation or a delegation is outside its time bounds (with a clock-skew allowance)
//   MatchError        a policy anywhere in the chain does not hold on the invocation `args`
//
// Powerline (`sub: null`, delegation spec "Powerline"): accepted anywhere except the root, where the spec forbids
// it ("there is no such thing as a null subject"); at validation time it stands for the subject of the delegation
// before it, which, since one subject runs through the whole chain, is the root's subject.
//
// Cost: a proof whose CID is in `verifiedDelegations` is neither decoded nor signature-checked again; a warm call
// costs one signature verification (the invocation's) plus hashing the proofs.
import { cidOf } from './cid';
import { commandCovers } from './command';
import { didWithoutFragment } from './didKey';
import { decodeDelegationPayload, decodeInvocationPayload } from './envelope';
import { UcanError, type UcanErrorName } from './errors';
import { compilePolicyCached, evaluateCompiledPolicy, firstFailingStatement, type CompiledPolicy } from './policy';
import type { DelegationPayload, InvocationPayload } from './types';

export interface ValidateOptions {
  /** The validation time, in unix seconds. */
  now: number;
  /** Tolerated clock difference on `nbf` and `exp`, in seconds (default 60, the spec's recommendation). */
  clockSkewSeconds?: number;
  /** True for a revoked delegation CID. */
  isRevoked?: (cid: string) => boolean;
  /**
   * Delegations already decoded and signature-checked, by CID. A proof found here skips decoding and its signature
   * check; every proof that is checked is added. The caller owns the map and its size.
   */
  verifiedDelegations?: Map<string, DelegationPayload>;
  /**
   * Replay protection: return true when this invoker has used this nonce before. It is called once, only after
   * every other check passed, so an implementation records the nonce whenever it returns false.
   */
  nonceSeen?: (invocationIss: string, nonce: Uint8Array) => boolean;
}

export interface ChainLink {
  cid: string;
  payload: DelegationPayload;
}

export type ValidationResult =
  | { ok: true; invocation: InvocationPayload; cid: string; chain: ChainLink[] }
  | { ok: false; error: { name: UcanErrorName; message: string } };

const defaultClockSkewSeconds = 60;

function failure(name: UcanErrorName, message: string): ValidationResult {
  return { ok: false, error: { name, message } };
}

function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds}` : `${date.toISOString().replace('.000Z', 'Z')} (${seconds})`;
}

function describe(link: ChainLink, index: number): string {
  return `delegation prf[${index}] ${link.cid} (${link.payload.iss} → ${link.payload.aud}, ${link.payload.cmd})`;
}

function sameDid(a: string, b: string): boolean {
  return a === b || didWithoutFragment(a) === didWithoutFragment(b);
}

export function validateInvocation(invocation: Uint8Array, proofs: readonly Uint8Array[], opts: ValidateOptions): ValidationResult {
  const now = opts?.now;
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new TypeError('validateInvocation needs opts.now, the current time in unix seconds');
  }
  const skew = opts.clockSkewSeconds ?? defaultClockSkewSeconds;
  if (typeof skew !== 'number' || !(skew >= 0)) throw new TypeError('clockSkewSeconds must be a number ≥ 0');
  if (!Array.isArray(proofs)) throw new TypeError('validateInvocation needs proofs, a list of delegation bytes');

  let inv: InvocationPayload;
  try {
    inv = decodeInvocationPayload(invocation);
  } catch (error) {
    if (error instanceof UcanError) return failure(error.name, error.message);
    return failure('InvalidClaim', `the invocation could not be read: ${String(error)}`);
  }

  if (inv.exp !== null && now - skew > inv.exp) {
    return failure('Expired', `the invocation expired at ${isoTime(inv.exp)}`);
  }
  // `iat` is only the invoker's claim, so it grants nothing; but an invocation claiming to be made in the future
  // is refused as a sign of a wrong clock or a pre-made token.
  if (inv.iat !== undefined && inv.iat - skew > now) {
    return failure('TooEarly', `the invocation says it was issued at ${isoTime(inv.iat)}, which is in the future`);
  }
  if (inv.prf.length === 0) {
    return failure('InvalidClaim', 'the invocation has no proofs (prf is empty); it must carry the delegation chain from its subject to its invoker');
  }
  if (inv.aud !== undefined && !sameDid(inv.aud, inv.sub)) {
    return failure('InvalidAudience', `the invocation is addressed to ${inv.aud}, but this validator executes for its subject ${inv.sub}`);
  }

  // Proofs by CID. Hashing every supplied proof is cheap next to a signature check.
  const bytesByCid = new Map<string, Uint8Array>();
  for (const proof of proofs) {
    if (proof instanceof Uint8Array) bytesByCid.set(cidOf(proof), proof);
  }

  const chain: ChainLink[] = [];
  const decodedHere = new Map<string, DelegationPayload>();
  for (let i = 0; i < inv.prf.length; i++) {
    const cid = inv.prf[i]!;
    const bytes = bytesByCid.get(cid);
    if (bytes === undefined) {
      return failure('UnavailableProof', `the proof prf[${i}] ${cid} was not supplied; pass the delegation's bytes along with the invocation`);
    }
    if (opts.isRevoked?.(cid) === true) {
      return failure('InvalidClaim', `the delegation ${cid} (prf[${i}]) has been revoked`);
    }
    let payload = opts.verifiedDelegations?.get(cid) ?? decodedHere.get(cid);
    if (payload === undefined) {
      try {
        payload = decodeDelegationPayload(bytes);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return failure(error instanceof UcanError ? error.name : 'InvalidClaim', `proof prf[${i}] ${cid}: ${message}`);
      }
      decodedHere.set(cid, payload);
      opts.verifiedDelegations?.set(cid, payload);
    }
    chain.push({ cid, payload });
  }

  // Principal alignment, from the invoker back to the root.
  const first = chain[0]!;
  if (!sameDid(first.payload.aud, inv.iss)) {
    return failure('InvalidAudience', `${describe(first, 0)} is delegated to ${first.payload.aud}, not to the invoker ${inv.iss}`);
  }
  for (let i = 1; i < chain.length; i++) {
    const link = chain[i]!;
    const below = chain[i - 1]!;
    if (!sameDid(link.payload.aud, below.payload.iss)) {
      return failure(
        'InvalidAudience',
        `${describe(link, i)} is delegated to ${link.payload.aud}, but the next delegation prf[${i - 1}] was issued by ${below.payload.iss}`,
      );
    }
  }

  // One subject throughout, rooted in a self-issued delegation.
  const root = chain[chain.length - 1]!;
  const rootIndex = chain.length - 1;
  if (root.payload.sub === null) {
    return failure('InvalidSubject', `the root ${describe(root, rootIndex)} is a powerline (sub: null); a chain must be rooted in a delegation its subject issued`);
  }
  const subject = root.payload.sub;
  if (!sameDid(root.payload.iss, subject)) {
    return failure('InvalidSubject', `the root ${describe(root, rootIndex)} is issued by ${root.payload.iss}, not by its subject ${subject}`);
  }
  for (let i = 0; i < rootIndex; i++) {
    const link = chain[i]!;
    if (link.payload.sub !== null && !sameDid(link.payload.sub, subject)) {
      return failure('InvalidSubject', `${describe(link, i)} is about ${link.payload.sub}, but the chain's subject is ${subject}`);
    }
  }
  if (!sameDid(inv.sub, subject)) {
    return failure('InvalidSubject', `the invocation is about ${inv.sub}, but its proofs are about ${subject}`);
  }

  // Time bounds, command and policy of every delegation.
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    const { exp, nbf } = link.payload;
    if (exp !== null && now - skew > exp) {
      return failure('Expired', `${describe(link, i)} expired at ${isoTime(exp)}`);
    }
    if (nbf !== undefined && now + skew < nbf) {
      return failure('TooEarly', `${describe(link, i)} is not valid before ${isoTime(nbf)}`);
    }
  }
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    if (!commandCovers(link.payload.cmd, inv.cmd)) {
      return failure('InvalidClaim', `${describe(link, i)} grants ${link.payload.cmd}, which does not cover ${inv.cmd}`);
    }
  }
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    let policy: CompiledPolicy;
    try {
      policy = compilePolicyCached(link.payload.pol);
    } catch (error) {
      // Only reachable through a caller-filled `verifiedDelegations`: decoded tokens are checked on the way in.
      return failure('InvalidClaim', `${describe(link, i)} has a malformed policy: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!evaluateCompiledPolicy(policy, inv.args)) {
      const failing = firstFailingStatement(policy, inv.args);
      return failure(
        'MatchError',
        `the arguments do not satisfy the policy of ${describe(link, i)}: statement pol[${failing}] ${shortJson(link.payload.pol[failing])} does not hold`,
      );
    }
  }

  if (opts.nonceSeen?.(inv.iss, inv.nonce) === true) {
    return failure('InvalidClaim', `replayed nonce: ${inv.iss} already used this invocation nonce; every invocation needs a fresh one`);
  }

  return { ok: true, invocation: inv, cid: cidOf(invocation), chain };
}

// Only used to explain a denial, never on the success path.
function shortJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v,
    );
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
