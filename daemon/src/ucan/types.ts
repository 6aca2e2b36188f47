// Payload and policy types of UCAN 1.0, with the field names the specs use.
//
// Binary fields are `Uint8Array`, times are integer unix seconds, and links (invocation `prf` and `cause`) are
// CID strings here; the envelope code turns them into DAG-CBOR links (tag 42) on the wire and back.

/** A selector string such as `.`, `.to[0]` or `.files[].path?`; see selector.ts for the grammar. */
export type Selector = string;

/**
 * One policy statement. Comparisons and quantifiers are `[operator, selector, argument]`; connectives are
 * `[operator, argument]`. Tuples are readonly so that literal policies written in code type-check as written.
 */
export type Statement =
  | readonly ['==' | '!=', Selector, unknown]
  | readonly ['<' | '<=' | '>' | '>=', Selector, number | bigint]
  | readonly ['like', Selector, string]
  | readonly ['not', Statement]
  | readonly ['and' | 'or', readonly Statement[]]
  | readonly ['all' | 'any', Selector, Statement];

/** A policy is a list of statements that must all hold (an implicit `and`). */
export type Policy = readonly Statement[];

/** The payload of a `ucan/dlg@1.0.0` token. */
export interface DelegationPayload {
  /** The delegator; the envelope is signed by this DID's key. */
  iss: string;
  /** The delegate. */
  aud: string;
  /** The subject the authority is about; `null` is a powerline (see validate.ts for where it is accepted). */
  sub: string | null;
  /** The command delegated, with everything below it by path segment. */
  cmd: string;
  /** Constraints on the invocation's `args`. */
  pol: Policy;
  nonce: Uint8Array;
  /** Expiry in unix seconds, or `null` for a delegation that explicitly never expires. */
  exp: number | null;
  /** Not valid before, in unix seconds. */
  nbf?: number;
  meta?: Record<string, unknown>;
}

/** The payload of a `ucan/inv@1.0.0` token. */
export interface InvocationPayload {
  /** The invoker; the envelope is signed by this DID's key. */
  iss: string;
  /** The subject whose authority is invoked; the root of the proof chain. */
  sub: string;
  /** The intended executor when it differs from the subject. */
  aud?: string;
  cmd: string;
  args: Record<string, unknown>;
  /**
   * CIDs of the proof delegations, root first: `prf[0]` is issued by the subject, each is delegated to the issuer of
   * the next, and the last to the invoker. Empty when the invoker is the subject.
   */
  prf: string[];
  nonce: Uint8Array;
  exp: number | null;
  /** When the invoker says it created the invocation, in unix seconds. */
  iat?: number;
  meta?: Record<string, unknown>;
  /** CID of the receipt that caused this invocation. */
  cause?: string;
}

/** A decoded, signature-checked token. */
export interface Decoded<P> {
  payload: P;
  signature: Uint8Array;
}
