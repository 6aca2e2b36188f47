// The owner policy a daemon starts with (see policy/): on unless a test turns it off, Cedar and the shell parser
// warmed up at once so the first call does not wait for them.
import type { SignetConfig } from '../home/signetHome';
import type { Logger } from '../logger';
import { OpaDecider } from '../policy/opaPolicy';
import { OwnerPolicy, type OwnerPolicyOptions } from '../policy/ownerPolicy';
import { loadShellParser } from '../policy/shellCommands';

export interface OwnerPolicyChoice {
  enabled?: boolean;
  installDefaults?: boolean;
  opa?: { url: string; path?: string; timeoutMs?: number };
}

/** A broken policy file, told to the editor as well as to the daemon log. */
type ProblemListener = NonNullable<OwnerPolicyOptions['onProblem']>;

export function startOwnerPolicy(choice: OwnerPolicyChoice | undefined, config: SignetConfig, home: string, workspace: string, log: Logger, tellEditor: ProblemListener): OwnerPolicy | undefined {
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
            tellEditor(state);
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
  return policy;
}
