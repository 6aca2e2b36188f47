// The owner policy as the editor shows it: which files apply in a workspace and what of each is in force
// (`policy/state`), and a watcher that tells UI clients when a file changes state (`policy/didChange`), so the
// Policies view and the "this file is broken" notification follow an edit without waiting for the next call.
import { join } from 'node:path';
import type { PolicyFileState, PolicyStateResult } from '../server/protocol';
import { DEFAULT_RULES_FILE } from './defaultRules';
import type { FileState, OwnerPolicy } from './ownerPolicy';

/** The wire form of one file's state. */
export function policyFileStateOf(state: FileState, userDir: string): PolicyFileState {
  return {
    file: state.file,
    scope: state.scope,
    defaults: state.scope === 'user' && state.file === join(userDir, DEFAULT_RULES_FILE),
    state: state.state,
    rules: state.rules,
    everValid: state.everValid,
    problems: state.problems.map(({ line, message }) => ({ line, message })),
    pendingRemoval: [...state.pendingRemoval],
  };
}

/** What `policy/state` answers for `workspace`; re-reads the files that changed, as an authorize would. */
export function policyStateOf(policy: OwnerPolicy | undefined, workspace: string, userDir: string): PolicyStateResult {
  const workspaceFile = join(workspace, '.signet', 'policy.cedar');
  if (!policy) return { enabled: false, userDir, workspaceFile, files: [] };
  return { enabled: true, userDir, workspaceFile, files: policy.refresh(workspace).map((s) => policyFileStateOf(s, userDir)) };
}

/** How often the watcher looks at the policy files: a stat of each, and a read only of those that changed. */
const POLL_MILLISECONDS = 1000;
/** Workspaces watched at once; the oldest asked about is dropped beyond this. */
const MAX_WATCHED_WORKSPACES = 8;

/**
 * Polls the policy files of the workspaces UI clients asked about. Polling rather than fs.watch: the files are few,
 * a stat each is cheap, and it sees a workspace file that does not exist yet, an editor's save by rename, and a
 * deleted folder alike, where inotify watches would each need handling of their own.
 */
export class PolicyWatcher {
  private readonly last = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly policy: OwnerPolicy,
    private readonly onChange: (workspace: string, files: PolicyFileState[]) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.timer = setInterval(() => this.poll(), POLL_MILLISECONDS);
    this.timer.unref();
  }

  /** Starts watching `workspace` (if not yet), taking `files` as its current state. */
  watch(workspace: string, files: PolicyFileState[]): void {
    if (!this.last.has(workspace) && this.last.size >= MAX_WATCHED_WORKSPACES) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    this.last.set(workspace, JSON.stringify(files));
  }

  private poll(): void {
    for (const [workspace, before] of this.last) {
      try {
        const files = this.policy.refresh(workspace).map((s) => policyFileStateOf(s, this.policy.userDir));
        const now = JSON.stringify(files);
        if (now === before) continue;
        this.last.set(workspace, now);
        this.onChange(workspace, files);
      } catch (error) {
        // Said once per cause, not once a second while it lasts.
        const said = `error: ${(error as Error).message}`;
        if (before === said) continue;
        this.last.set(workspace, said);
        this.onError(error as Error);
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
