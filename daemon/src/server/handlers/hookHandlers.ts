// `call/outcome` and `session/end`: what a client's hook reports after a call ran, and when its session ended (which
// ends the session approvals made for it). See hooks/clientCalls.ts.
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function hookHandlers(parts: DaemonParts): Pick<MethodHandlers, 'call/outcome' | 'session/end'> {
  const { clientCalls, shutdown } = parts;
  return {
    'call/outcome': (params) => {
      shutdown.refuseWhileStopping();
      return clientCalls.outcome(params);
    },
    'session/end': (params) => {
      shutdown.refuseWhileStopping();
      return clientCalls.endSession(params);
    },
  };
}
