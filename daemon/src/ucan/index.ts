// The public API of Signet's UCAN 1.0 library, for the daemon and for tools that verify Signet tokens offline.
// This is the one re-export file of the folder; everything else imports from the file that defines a name.
export { cidOf } from './cid';
export { commandCovers, commandProblem } from './command';
export { didKeyFromPublicKey, publicKeyFromDidKey } from './didKey';
export { Ed25519Signer, verifyEd25519 } from './ed25519';
export { smallOrderPublicKeys } from './ed25519Key';
export {
  decodeDelegation,
  decodeInvocation,
  delegationTag,
  encodeDelegation,
  encodeDelegationWith,
  encodeInvocation,
  encodeInvocationWith,
  invocationTag,
} from './envelope';
export { ed25519DagCborVarsigHeader } from './envelopeLayout';
export { PolicySyntaxError, UcanError, ucanErrorNames, type UcanErrorName } from './errors';
export { evaluatePolicy, matchesLike, validatePolicy } from './policy';
export type { Decoded, DelegationPayload, InvocationPayload, Policy, Selector, Statement } from './types';
export { validateInvocation, type ChainLink, type ValidateOptions, type ValidationResult } from './validate';
