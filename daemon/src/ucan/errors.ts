// The error vocabulary of UCAN validation.
//
// The names are the ones the UCAN specs and other implementations use, so a person reading a denial, or a tool
// comparing Signet's verdicts with another validator's, sees the same words.

export const ucanErrorNames = [
  'InvalidClaim',
  'UnavailableProof',
  'Expired',
  'TooEarly',
  'InvalidAudience',
  'InvalidSubject',
  'InvalidSignature',
  'MatchError',
] as const;

export type UcanErrorName = (typeof ucanErrorNames)[number];

/**
 * Thrown by the decoders (and used inside validation) for a token that is malformed or badly signed.
 * `name` is the error category, in the way `DOMException` uses `name`, so callers can branch on it.
 */
export class UcanError extends Error {
  override readonly name: UcanErrorName;

  constructor(name: UcanErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** Thrown for a policy (or selector) that does not follow the policy grammar. */
export class PolicySyntaxError extends Error {
  override readonly name = 'PolicySyntaxError';
}
