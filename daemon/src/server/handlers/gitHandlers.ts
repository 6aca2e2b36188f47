// `git/sign`: a commit signed as an agent, in the two steps of git/commitSigner.ts. Tracked like authorize, so a
// stopping daemon waits for the signing under way and refuses new ones.
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function gitHandlers(parts: DaemonParts): Pick<MethodHandlers, 'git/sign'> {
  const { commitSigner, shutdown } = parts;
  return {
    'git/sign': (params, connection) => {
      shutdown.refuseWhileStopping();
      return shutdown.track(commitSigner.handle(params, connection));
    },
  };
}
