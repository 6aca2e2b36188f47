// `agent/*`: creating, listing and removing agent identities (removal revokes what the agent held or issued).
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function agentHandlers(parts: DaemonParts): Pick<MethodHandlers, 'agent/create' | 'agent/list' | 'agent/remove'> {
  const { authorizer, identities, shutdown, outsideEditor } = parts;
  const refuseWhileStopping = () => shutdown.refuseWhileStopping();
  return {
    'agent/create': ({ name }) => {
      refuseWhileStopping();
      return authorizer.createAgent(name, 'created by the user');
    },
    'agent/list': () => ({ user: identities.user, agents: identities.listAgents().map((a) => ({ ...a, ...(outsideEditor.of(a.did) ? { outsideEditor: outsideEditor.of(a.did) } : {}) })) }),
    'agent/remove': ({ name }) => {
      refuseWhileStopping();
      return authorizer.removeAgent(name);
    },
  };
}
