// Running the real git for Signet's git commands: always with an argument list (never a shell), always in a
// named folder, with errors that say which git command failed and what git printed.
import { execFileSync, spawnSync } from 'node:child_process';

export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly code: 'git-missing' | 'git-failed' | 'not-a-repository',
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

/** git's stdout as text (trailing newline removed); throws GitCommandError with git's own words when it fails. */
export function git(cwd: string, args: string[], input?: string): string {
  return gitBytes(cwd, args, input).toString('utf8').replace(/\n$/, '');
}

export function gitBytes(cwd: string, args: string[], input?: string): Buffer {
  const run = spawnSync('git', args, { cwd, input, maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new GitCommandError(`git could not be run (${run.error.message}); install git`, 'git-missing');
  if (run.status !== 0) {
    const said = run.stderr.toString('utf8').trim();
    const code = /not a git repository/i.test(said) ? 'not-a-repository' : 'git-failed';
    throw new GitCommandError(`git ${args.join(' ')} failed in ${cwd}: ${said || `exit ${run.status}`}`, code);
  }
  return run.stdout;
}

/** git's stdout, or undefined when it exits non-zero (an unset config key, a detached HEAD). */
export function gitMaybe(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

/** The top-level folder of the repository that holds `dir`. */
export function repositoryRoot(dir: string): string {
  return git(dir, ['rev-parse', '--show-toplevel']);
}

/** The branch HEAD is on, or `HEAD` when it is detached. */
export function currentBranch(dir: string): string {
  return gitMaybe(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']) ?? 'HEAD';
}
