// `invocation/verify`: a tool that cannot verify offline asks the daemon whether an invocation it was shown holds:
// a valid chain rooted at this user, unrevoked, and a nonce never accepted before (kept across restarts).
import type { DelegationPayload } from '../../ucan/index';
import { validateInvocation } from '../../ucan/index';
import type { InvocationVerifyParams, InvocationVerifyResult } from '../protocol';
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function invocationHandlers(parts: DaemonParts): Pick<MethodHandlers, 'invocation/verify'> {
  const { delegations, identities, nonces } = parts;
  const verifiedDelegations = new Map<string, DelegationPayload>();
  const verifyPresentedInvocation = ({ invocation, proofs }: InvocationVerifyParams): InvocationVerifyResult => {
    const now = Math.floor(Date.now() / 1000);
    const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
    const result = validateInvocation(decode(invocation), proofs.map(decode), {
      now,
      isRevoked: (cid) => delegations.get(cid)?.revoked === true,
      verifiedDelegations,
      nonceSeen: (iss, nonce) => nonces.has(iss, nonce, now),
    });
    if (!result.ok) return result;
    const root = result.chain[0]?.payload.iss ?? result.invocation.sub;
    if (root !== identities.user.did) {
      return { ok: false, error: { name: 'InvalidSubject', message: `the chain roots at ${root}, not at this user (${identities.user.did})` } };
    }
    // Recorded (and written to the ledger file) before the acceptance is answered.
    nonces.record(result.invocation.iss, result.invocation.nonce, result.invocation.exp);
    return { ok: true, invocationCid: result.cid, iss: identities.principalOf(result.invocation.iss), cmd: result.invocation.cmd, args: result.invocation.args, chain: result.chain.map((c) => c.cid) };
  };
  return {
    'invocation/verify': (params) => verifyPresentedInvocation(params),
  };
}
