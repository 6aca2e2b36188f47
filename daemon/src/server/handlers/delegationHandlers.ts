// `delegation/*`: issuing, revoking and listing delegations. The chain rules themselves live in authz/.
import { SignetErrorCode } from '../protocol';
import type { MethodHandlers } from '../rpcServer';
import { RpcError } from '../wireErrors';
import type { DaemonParts } from './daemonParts';

export function delegationHandlers(parts: DaemonParts): Pick<MethodHandlers, 'delegation/issue' | 'delegation/revoke' | 'delegation/list'> {
  const { authorizer, shutdown } = parts;
  const refuseWhileStopping = () => shutdown.refuseWhileStopping();
  return {
    'delegation/issue': (params, connection) => {
      refuseWhileStopping();
      if (connection.role === 'agent' && params.from === 'user') {
        throw new RpcError(SignetErrorCode.Forbidden, 'an agent connection can only delegate from an agent it speaks for, never from the user');
      }
      return authorizer.issue(params, connection);
    },
    'delegation/revoke': async ({ cid }) => ({ revoked: await authorizer.revoke(cid, 'revoked by the user') }),
    'delegation/list': (params) => ({ delegations: authorizer.list(params?.agent, params?.includeInactive) }),
  };
}
