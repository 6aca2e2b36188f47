// `policy/*`: the owner policy's files and their state, for the editor's Policies view. Asking also starts watching
// that workspace's files, so the view hears of a change without asking again.
import { policyStateOf } from '../../policy/policyStatus';
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function policyHandlers(parts: DaemonParts): Pick<MethodHandlers, 'policy/state'> {
  const { policy, policyWatcher, policyDir } = parts;
  return {
    'policy/state': (params) => {
      const workspace = params?.workspace ?? parts.workspace;
      const state = policyStateOf(policy, workspace, policyDir);
      policyWatcher?.watch(workspace, state.files);
      return state;
    },
  };
}
