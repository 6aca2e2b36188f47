// `authz/*`: an agent asks for a right, or withdraws a request that waits for a person; doctor asks after its probe.
import { ProbeRefusals } from '../../authz/probeRefusals';
import { refuseProbe } from '../../authz/probeRequests';
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function authzHandlers(parts: DaemonParts): Pick<MethodHandlers, 'authz/authorize' | 'authz/cancel' | 'authz/probeRefusal'> {
  const { authorizer, shutdown, audit, clientCalls } = parts;
  // One per daemon: allHandlers runs once, when the daemon starts.
  const probeRefusals = new ProbeRefusals();
  return {
    'authz/authorize': async (params, connection) => {
      // Denied rather than refused: a stopping daemon still answers every request it was asked, with a reason.
      if (shutdown.stopping) return { decision: 'deny', code: 'daemon-shutdown', reason: 'signetd is shutting down' };
      // A probe is refused at once, and tracked like any call so that a stop waits for its audit record.
      if (params.probe) return shutdown.track(refuseProbe({ ...params, probe: params.probe }, audit, probeRefusals));
      // Through clientCalls, so a hook's call that two hook files ask about is decided once (see hooks/clientCalls.ts).
      return shutdown.track(clientCalls.authorize(params, connection));
    },
    'authz/cancel': ({ requestId }, connection) => ({ cancelled: authorizer.withdraw(requestId, connection) }),
    'authz/probeRefusal': ({ probeId }) => probeRefusals.lookUp(probeId, audit),
  };
}
