// `client/describe`: an editor states which window it is, so that its decisions name the place. The daemon records
// the statement as stated-by-editor beside the process it verified behind the socket (approvals/decider.ts).
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function clientHandlers(parts: DaemonParts): Pick<MethodHandlers, 'client/describe'> {
  const { places } = parts;
  return {
    'client/describe': (params, connection) => places.describe(params, connection),
  };
}
