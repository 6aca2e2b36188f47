// Every method's handler, one module per domain. Pick<> per module keeps each honest about what it serves, and
// the full MethodHandlers type here makes a method declared in protocol.ts without a handler fail the type check.
import type { MethodHandlers } from '../rpcServer';
import { agentHandlers } from './agentHandlers';
import { approvalHandlers } from './approvalHandlers';
import { auditHandlers } from './auditHandlers';
import { authzHandlers } from './authzHandlers';
import { daemonHandlers } from './daemonHandlers';
import type { DaemonParts } from './daemonParts';
import { delegationHandlers } from './delegationHandlers';
import { invocationHandlers } from './invocationHandlers';
import { clientHandlers } from './clientHandlers';
import { gitHandlers } from './gitHandlers';
import { agentProofHandlers } from './agentProofHandlers';
import { hookHandlers } from './hookHandlers';
import { policyHandlers } from './policyHandlers';

export function allHandlers(parts: DaemonParts): MethodHandlers {
  return {
    ...daemonHandlers(parts),
    ...agentHandlers(parts),
    ...authzHandlers(parts),
    ...approvalHandlers(parts),
    ...delegationHandlers(parts),
    ...invocationHandlers(parts),
    ...auditHandlers(parts),
    ...policyHandlers(parts),
    ...gitHandlers(parts),
    ...clientHandlers(parts),
    ...hookHandlers(parts),
    ...agentProofHandlers(parts),
  };
}
