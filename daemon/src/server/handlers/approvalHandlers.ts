// `approval/*`: the requests that wait for a person, and a person's decision on one.
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function approvalHandlers(parts: DaemonParts): Pick<MethodHandlers, 'approval/list' | 'approval/decide'> {
  const { authorizer, approvals, shutdown } = parts;
  const refuseWhileStopping = () => shutdown.refuseWhileStopping();
  return {
    'approval/list': () => ({ pending: approvals.list() }),
    'approval/decide': (params, connection) => {
      refuseWhileStopping();
      return authorizer.decide(params, connection);
    },
  };
}
