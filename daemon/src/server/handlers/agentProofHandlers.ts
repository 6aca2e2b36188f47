// `agent/proof`: an agent's SIGNET_AGENT_SECRET, handed out only after a person approves (keys/agentProofs.ts).
// Tracked like authorize, so a stopping daemon waits for the approval under way and refuses new ones.
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function agentProofHandlers(parts: DaemonParts): Pick<MethodHandlers, 'agent/proof'> {
  const { agentProofs, shutdown } = parts;
  return {
    'agent/proof': (params, connection) => {
      shutdown.refuseWhileStopping();
      return shutdown.track(agentProofs.handOut(params, connection));
    },
  };
}
