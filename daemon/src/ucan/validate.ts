// Validation of an invocation and its proof chain (invocation spec, "Proofs"; delegation spec, "Token
// Validation"), checked against the UCAN working group's published 1.0 vectors (test/fixtures/ucan/).
//
// Chain order: `prf` runs from the root delegation (issued by the subject, `iss == sub`) to the one delegated to
// the invoker, each one delegated to the issuer of the next (invocation spec §Proofs and the vectors; its
// §Proof Chains describes the reverse, which Signet followed until it signed root first: such chains are still
// accepted through the 0.1 releases, so that tokens existing homes issued keep validating; see `proofOrder`). The checks run in this order, and the first that fails names the error:
//
//   1. the invocation: malformed → InvalidClaim; outside its time bounds → Expired/TooEarly; its signature →
//      InvalidSignature
//   2. no proofs: valid only when the invoker is the subject (a self-issued invocation), else InvalidClaim
//   3. every proof supplied → UnavailableProof; well-formed → InvalidClaim
//   4. the delegation spec's order for the chain: time bounds of every proof → Expired/TooEarly; principal
//      alignment → InvalidAudience; a powerline (`sub: null`) as the root → InvalidClaim; the root not issued by
//      its subject, a delegation or the invocation about another subject → InvalidSubject; signatures →
//      InvalidSignature
//   5. revoked → InvalidClaim; a command not covering the invoked one (by path segment) → InvalidClaim; a policy
//      anywhere in the chain not holding on `args` → MatchError; a nonce seen before → InvalidClaim
//
// The invocation's `aud` (an executor other than the subject) is not checked here: the executor knows who it is,
// and passes `executor` to have it checked (InvalidAudience, last, before the nonce).
//
// Powerline (`sub: null`, delegation spec "Powerline"): accepted anywhere except the root ("there is no such
// thing as a null subject"); at validation time it stands for the subject before it in the chain, which, since
// one subject runs through the whole chain, is the root's.
//
// Cost: a proof whose CID is in `verifiedDelegations` is neither decoded nor signature-checked again; a warm call
// costs one signature verification (the invocation's) plus hashing the proofs.
import { cidOf } from './cid';
import { commandCovers } from './command';
import { didWithoutFragment } from './didKey';
import { readDelegationUnverified, readInvocationUnverified, type UnverifiedToken } from './envelope';
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
   * The executor validating: an invocation that names an `aud` must name one of these DIDs (or its own subject,
   * which is the audience an invocation without `aud` has). Unset, `aud` is left to the caller.
   */
  executor?: string | readonly string[];
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
  | {
      ok: true;
      invocation: InvocationPayload;
      cid: string;
      /** The delegations, root first (the spec's `prf` order), whatever order the invocation listed them in. */
      chain: ChainLink[];
      /**
       * How the invocation ordered `prf`: `leaf-first` is the order Signet signed in before it followed the spec,
       * accepted through the 0.1 releases so that tokens already issued still validate, and dropped in 0.2;
       * everything Signet signs now is `root-first`.
       */
      proofOrder: 'root-first' | 'leaf-first';
    }
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `links`, in this order, do not run from the subject to `invoker`, or null when they do. */
function alignmentProblem(links: readonly ChainLink[], invoker: string, position: (i: number) => number): string | null {
  for (let i = 0; i + 1 < links.length; i++) {
    const link = links[i]!;
    const next = links[i + 1]!;
    if (!sameDid(link.payload.aud, next.payload.iss)) {
      return `${describe(link, position(i))} is delegated to ${link.payload.aud}, but the next delegation prf[${position(i + 1)}] was issued by ${next.payload.iss}`;
    }
  }
  const last = links[links.length - 1]!;
  if (!sameDid(last.payload.aud, invoker)) {
    return `${describe(last, position(links.length - 1))} is delegated to ${last.payload.aud}, not to the invoker ${invoker}`;
  }
  return null;
}

export function validateInvocation(invocation: Uint8Array, proofs: readonly Uint8Array[], opts: ValidateOptions): ValidationResult {
  const now = opts?.now;
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new TypeError('validateInvocation needs opts.now, the current time in unix seconds');
  }
  const skew = opts.clockSkewSeconds ?? defaultClockSkewSeconds;
  if (typeof skew !== 'number' || !(skew >= 0)) throw new TypeError('clockSkewSeconds must be a number ≥ 0');
  if (!Array.isArray(proofs)) throw new TypeError('validateInvocation needs proofs, a list of delegation bytes');

  // 1. The invocation itself.
  let read: UnverifiedToken<InvocationPayload>;
  try {
    read = readInvocationUnverified(invocation);
  } catch (error) {
    if (error instanceof UcanError) return failure(error.name, error.message);
    return failure('InvalidClaim', `the invocation could not be read: ${String(error)}`);
  }
  const inv = read.payload;
  if (inv.exp !== null && now - skew > inv.exp) {
    return failure('Expired', `the invocation expired at ${isoTime(inv.exp)}`);
  }
  // `iat` is only the invoker's claim, so it grants nothing; but an invocation claiming to be made in the future
  // is refused as a sign of a wrong clock or a pre-made token.
  if (inv.iat !== undefined && inv.iat - skew > now) {
    return failure('TooEarly', `the invocation says it was issued at ${isoTime(inv.iat)}, which is in the future`);
  }
  const invocationSignature = read.signatureError();
  if (invocationSignature !== null) return failure('InvalidSignature', invocationSignature.message);

  // 2. A subject acting on its own behalf needs no proof.
  if (inv.prf.length === 0 && !sameDid(inv.iss, inv.sub)) {
    return failure(
      'InvalidClaim',
      `the invocation has no proofs (prf is empty), but its invoker ${inv.iss} is not its subject ${inv.sub}; it must carry the delegation chain from its subject to its invoker`,
    );
  }

  // 3. Every proof, by CID. Hashing every supplied proof is cheap next to a signature check.
  const bytesByCid = new Map<string, Uint8Array>();
  if (inv.prf.length > 0) {
    for (const proof of proofs) {
      if (proof instanceof Uint8Array) bytesByCid.set(cidOf(proof), proof);
    }
  }
  const listed: ChainLink[] = [];
  const pending = new Map<number, UnverifiedToken<DelegationPayload>>();
  for (let i = 0; i < inv.prf.length; i++) {
    const cid = inv.prf[i]!;
    const bytes = bytesByCid.get(cid);
    if (bytes === undefined) {
      return failure('UnavailableProof', `the proof prf[${i}] ${cid} was not supplied; pass the delegation's bytes along with the invocation`);
    }
    const known = opts.verifiedDelegations?.get(cid);
    if (known !== undefined) {
      listed.push({ cid, payload: known });
      continue;
    }
    let token: UnverifiedToken<DelegationPayload>;
    try {
      token = readDelegationUnverified(bytes);
    } catch (error) {
      return failure(error instanceof UcanError ? error.name : 'InvalidClaim', `proof prf[${i}] ${cid}: ${messageOf(error)}`);
    }
    pending.set(i, token);
    listed.push({ cid, payload: token.payload });
  }

  // 4a. Time bounds of every proof.
  for (let i = 0; i < listed.length; i++) {
    const link = listed[i]!;
    const { exp, nbf } = link.payload;
    if (exp !== null && now - skew > exp) {
      return failure('Expired', `${describe(link, i)} expired at ${isoTime(exp)}`);
    }
    if (nbf !== undefined && now + skew < nbf) {
      return failure('TooEarly', `${describe(link, i)} is not valid before ${isoTime(nbf)}`);
    }
  }

  // 4b. Principal alignment, root first; a chain in Signet's former order (leaf first) is read backwards.
  let chain = listed;
  let proofOrder: 'root-first' | 'leaf-first' = 'root-first';
  if (listed.length > 0) {
    const problem = alignmentProblem(listed, inv.iss, (i) => i);
    if (problem !== null) {
      const reversed = [...listed].reverse();
      if (listed.length === 1 || alignmentProblem(reversed, inv.iss, (i) => listed.length - 1 - i) !== null) {
        return failure('InvalidAudience', problem);
      }
      chain = reversed;
      proofOrder = 'leaf-first';
    }
  }
  const position = proofOrder === 'root-first' ? (i: number) => i : (i: number) => chain.length - 1 - i;

  // 4c. One subject throughout, rooted in a delegation its subject issued.
  let subject = inv.sub;
  if (chain.length > 0) {
    const root = chain[0]!;
    if (root.payload.sub === null) {
      return failure('InvalidClaim', `the root ${describe(root, position(0))} is a powerline (sub: null); a chain must be rooted in a delegation its subject issued`);
    }
    subject = root.payload.sub;
    if (!sameDid(root.payload.iss, subject)) {
      return failure('InvalidSubject', `the root ${describe(root, position(0))} is issued by ${root.payload.iss}, not by its subject ${subject}`);
    }
    for (let i = 1; i < chain.length; i++) {
      const link = chain[i]!;
      if (link.payload.sub !== null && !sameDid(link.payload.sub, subject)) {
        return failure('InvalidSubject', `${describe(link, position(i))} is about ${link.payload.sub}, but the chain's subject is ${subject}`);
      }
    }
    if (!sameDid(inv.sub, subject)) {
      return failure('InvalidSubject', `the invocation is about ${inv.sub}, but its proofs are about ${subject}`);
    }
  }

  // 4d. Signatures of the proofs not verified before.
  for (const [i, token] of pending) {
    const error = token.signatureError();
    if (error !== null) return failure('InvalidSignature', `proof prf[${i}] ${listed[i]!.cid}: ${error.message}`);
  }
  if (opts.verifiedDelegations !== undefined) {
    for (const i of pending.keys()) opts.verifiedDelegations.set(listed[i]!.cid, listed[i]!.payload);
  }

  // 5. Revocation, commands and policies of every delegation.
  if (opts.isRevoked !== undefined) {
    for (let i = 0; i < chain.length; i++) {
      const link = chain[i]!;
      if (opts.isRevoked(link.cid)) return failure('InvalidClaim', `the delegation ${link.cid} (prf[${position(i)}]) has been revoked`);
    }
  }
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    if (!commandCovers(link.payload.cmd, inv.cmd)) {
      return failure('InvalidClaim', `${describe(link, position(i))} grants ${link.payload.cmd}, which does not cover ${inv.cmd}`);
    }
  }
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    let policy: CompiledPolicy;
    try {
      policy = compilePolicyCached(link.payload.pol);
    } catch (error) {
      // Only reachable through a caller-filled `verifiedDelegations`: decoded tokens are checked on the way in.
      return failure('InvalidClaim', `${describe(link, position(i))} has a malformed policy: ${messageOf(error)}`);
    }
    if (!evaluateCompiledPolicy(policy, inv.args)) {
      const failing = firstFailingStatement(policy, inv.args);
      return failure(
        'MatchError',
        `the arguments do not satisfy the policy of ${describe(link, position(i))}: statement pol[${failing}] ${shortJson(link.payload.pol[failing])} does not hold`,
      );
    }
  }

  if (opts.executor !== undefined && inv.aud !== undefined && !sameDid(inv.aud, subject)) {
    const executors = typeof opts.executor === 'string' ? [opts.executor] : opts.executor;
    if (!executors.some((did) => sameDid(did, inv.aud!))) {
      return failure('InvalidAudience', `the invocation is addressed to ${inv.aud}, not to this executor (${executors.join(', ') || 'none named'}) or its subject`);
    }
  }

  if (opts.nonceSeen?.(inv.iss, inv.nonce) === true) {
    return failure('InvalidClaim', `replayed nonce: ${inv.iss} already used this invocation nonce; every invocation needs a fresh one`);
  }

  return { ok: true, invocation: inv, cid: cidOf(invocation), chain, proofOrder };
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
