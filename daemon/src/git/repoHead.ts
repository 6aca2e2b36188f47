// What the repository itself says at the signing step, read by the daemon rather than taken from the committer:
// which branch HEAD is on and which commit is its tip. Then whether a commit payload's first parent fits that tip
// (a new commit or a merge: the tip; `git commit --amend`: the tip's first parent; a root commit: an unborn branch,
// or the amend of a root tip).
//
// The repository is the agent's to write, config and all, so reading it must not run anything the agent put there:
//   - plumbing only (`rev-parse`, `symbolic-ref`): they run no hooks, no pager, no fsmonitor, no credential
//     helper, no diff or textconv driver, and never touch the index; `-c core.fsmonitor=false` and
//     `--no-optional-locks` besides, should a later git start refreshing the index for them, and
//     `--no-replace-objects`, so that `refs/replace/` cannot show the tip with other parents;
//   - an argument list (no shell), run in the canonical folder prepared, with every GIT_* variable of the
//     daemon's own environment dropped (a GIT_DIR or GIT_WORK_TREE would point git elsewhere) and the system
//     config skipped (GIT_CONFIG_NOSYSTEM); the person's global config stays, for `safe.directory`;
//   - a time limit, so that a HEAD that blocks (a FIFO) fails the signature instead of holding it.
import { execFile } from 'node:child_process';

const GIT_TIME_LIMIT_MS = 10_000;
const OBJECT_ID = /^[0-9a-f]{40}$/;

export interface RepoHead {
  /** The top-level folder git finds from the prepared path. */
  toplevel: string;
  /**
   * The branch HEAD is on (`main` for `refs/heads/main`, as the hook reports it), `HEAD` when detached, or the whole
   * ref when HEAD points outside `refs/heads/` (`refs/tags/main`), so that no such ref passes for a branch.
   */
  branch: string;
  /** The commit HEAD points at, or null on an unborn branch. */
  tip: string | null;
}

export class RepoReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepoReadError';
  }
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

function hardenedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
}

function plumbing(repo: string, args: string[]): Promise<Ran> {
  const argv = ['--no-pager', '--no-optional-locks', '--no-replace-objects', '-c', 'core.fsmonitor=false', ...args];
  return new Promise((resolve, reject) => {
    execFile('git', argv, { cwd: repo, env: hardenedEnv(), timeout: GIT_TIME_LIMIT_MS, maxBuffer: 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new RepoReadError(`git ${args.join(' ')} could not be run in ${repo}: ${error.killed ? 'it did not answer in time' : error.message}`));
        return;
      }
      resolve({ status: error ? Number(error.code) : 0, stdout: stdout.replace(/\n$/, ''), stderr: stderr.trim() });
    });
  });
}

function failed(repo: string, args: string[], ran: Ran): RepoReadError {
  return new RepoReadError(`git ${args.join(' ')} failed in ${repo}: ${ran.stderr || `exit ${ran.status}`}`);
}

/** The repository's HEAD as git reads it now, from the canonical folder the invocation was prepared for. */
export async function readRepoHead(repo: string): Promise<RepoHead> {
  const toplevelArgs = ['rev-parse', '--show-toplevel'];
  const toplevel = await plumbing(repo, toplevelArgs);
  if (toplevel.status !== 0) throw failed(repo, toplevelArgs, toplevel);
  // Exit 1 with nothing said: HEAD is detached. Anything else is a repository git cannot read.
  const refArgs = ['symbolic-ref', '--quiet', 'HEAD'];
  const ref = await plumbing(repo, refArgs);
  if (ref.status !== 0 && (ref.status !== 1 || ref.stderr)) throw failed(repo, refArgs, ref);
  // Exit 1 with --quiet: HEAD names no commit yet (an unborn branch).
  const tipArgs = ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'];
  const tip = await plumbing(repo, tipArgs);
  if (tip.status !== 0 && (tip.status !== 1 || tip.stderr)) throw failed(repo, tipArgs, tip);
  if (tip.status === 0 && !OBJECT_ID.test(tip.stdout)) throw new RepoReadError(`git rev-parse HEAD in ${repo} gave ${JSON.stringify(tip.stdout)}, not a SHA-1 commit id`);
  const branch = ref.status !== 0 ? 'HEAD' : ref.stdout.startsWith('refs/heads/') ? ref.stdout.slice('refs/heads/'.length) : ref.stdout;
  return { toplevel: toplevel.stdout, branch, tip: tip.status === 0 ? tip.stdout : null };
}

/** The parents of commit `id` as its raw object names them (no replace refs, no grafts), first parent first. */
async function parentsOf(repo: string, id: string): Promise<string[]> {
  const args = ['cat-file', 'commit', id];
  const ran = await plumbing(repo, args);
  if (ran.status !== 0) throw failed(repo, args, ran);
  const parents = payloadParents(Buffer.from(`${ran.stdout}\n`, 'latin1'));
  if (!parents) throw new RepoReadError(`commit ${id} in ${repo} has a header git itself would not read`);
  return parents;
}

/**
 * A commit payload's parents, first parent first, read as git reads them: the `parent` lines right after `tree`,
 * each a SHA-1 id. Undefined for a header with a `parent` line anywhere else (git would take the commit for a
 * root commit, so checking that line would check a parent the commit does not have) or with a malformed id.
 */
export function payloadParents(payload: Buffer): string[] | undefined {
  const text = payload.toString('latin1');
  const end = text.indexOf('\n\n');
  const [tree, ...rest] = (end < 0 ? text : text.slice(0, end)).split('\n');
  if (!tree?.startsWith('tree ')) return undefined;
  const parents: string[] = [];
  let index = 0;
  for (; rest[index]?.startsWith('parent '); index++) parents.push(rest[index]!.slice('parent '.length));
  if (!parents.every((id) => OBJECT_ID.test(id))) return undefined;
  return rest.slice(index).some((line) => line.startsWith('parent ')) ? undefined : parents;
}

/** How the payload's first parent sits on HEAD: undefined when it does not (the reason is the caller's to word). */
export async function placeOnHead(repo: string, head: RepoHead, parents: string[]): Promise<'atop-tip' | 'amends-tip' | 'root' | undefined> {
  const first = parents[0];
  if (head.tip === null) return first === undefined ? 'root' : undefined;
  if (first === head.tip) return 'atop-tip';
  const tipParents = await parentsOf(repo, head.tip);
  if (first === undefined) return tipParents.length === 0 ? 'amends-tip' : undefined;
  return first === tipParents[0] ? 'amends-tip' : undefined;
}
