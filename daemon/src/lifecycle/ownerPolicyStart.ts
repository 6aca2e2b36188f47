// The owner policy a daemon starts with (see policy/): on unless a test turns it off, Cedar and the shell parser
// warmed up at once so the first call does not wait for them, and the watcher that tells the editor of its files.
import { join } from 'node:path';
import type { SignetConfig } from '../home/signetHome';
import type { Logger } from '../logger';
import { OpaDecider } from '../policy/opaPolicy';
import { OwnerPolicy } from '../policy/ownerPolicy';
import { PolicyWatcher, policyFileStateOf } from '../policy/policyStatus';
import type { Notifications } from '../server/protocol';
import { loadShellParser } from '../policy/shellCommands';

export interface OwnerPolicyChoice {
  enabled?: boolean;
  installDefaults?: boolean;
  opa?: { url: string; path?: string; timeoutMs?: number };
}

/** How the policy tells the editor of a broken file or a changed one (the daemon's broadcast to UI clients). */
type TellEditor = <N extends 'policy/didReportProblem' | 'policy/didChange'>(method: N, params: Notifications[N]) => void;

export interface StartedOwnerPolicy {
  policy: OwnerPolicy | undefined;
  /** Polls the files of the workspaces the editor asked about, and tells it when their state changes. */
  policyWatcher: PolicyWatcher | undefined;
  /** The user's policy folder, `~/.signet/policy`. */
  policyDir: string;
}

export function startOwnerPolicy(choice: OwnerPolicyChoice | undefined, config: SignetConfig, home: string, workspace: string, log: Logger, tellEditor: TellEditor): StartedOwnerPolicy {
  const policyDir = join(home, 'policy');
  const opa = choice?.opa ?? config.opa;
  const policy =
    choice?.enabled === false
      ? undefined
      : new OwnerPolicy({
          home,
          installDefaults: choice?.installDefaults ?? true,
          ...(opa ? { external: new OpaDecider(opa) } : {}),
          onProblem: (state) => {
            log.warn(
              `owner policy ${state.file}: ${state.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}${state.everValid ? ' (its last valid version stays in force)' : state.state === 'broken' ? ' (it never loaded, so every call is denied until it is fixed)' : ''}`,
            );
            tellEditor('policy/didReportProblem', policyFileStateOf(state, policyDir));
          },
        });
  // Cedar, the rules and the shell parser are loaded now rather than on the first call, which would wait for them.
  if (policy) {
    setImmediate(() => {
      try {
        policy.refresh(workspace);
      } catch (error) {
        log.warn(`owner policy: ${(error as Error).message}`);
      }
    });
    loadShellParser().catch((error: Error) => log.warn(`the shell parser did not load, so shell commands will be denied: ${error.message}`));
  }
  const policyWatcher = policy ? new PolicyWatcher(policy, (watched, files) => tellEditor('policy/didChange', { workspace: watched, files }), (error) => log.warn(`owner policy: ${error.message}`)) : undefined;
  return { policy, policyWatcher, policyDir };
}
