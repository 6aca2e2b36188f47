// `signet git setup`: makes a repository sign its commits as an agent, through stock git's SSH signing. It sets
// the repository's local config (gpg.format, gpg.ssh.program, user.signingkey, commit.gpgsign) and puts a
// prepare-commit-msg hook in front of any hook already there. What it changed is written down first, so that
// `--undo` puts back exactly what was there: every config value (or its absence) and the old hook, byte for byte.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { restoreAgentEnvironment, writeAgentEnvironment, type EnvironmentBefore } from './agentEnvironment';
import { git, gitMaybe, repositoryRoot } from './gitRepo';

/** The local config keys setup sets, in the order it sets them. */
export const MANAGED_CONFIG_KEYS = ['gpg.format', 'gpg.ssh.program', 'user.signingkey', 'commit.gpgsign', 'signet.agent'] as const;
const HOOK = 'prepare-commit-msg';
const CHAINED_SUFFIX = '.signet-chained';
const STATE_FILE = 'signet-setup.json';
const HOOK_MARK = '# signet: prepare-commit-msg hook written by `signet git setup`';

const SetupState = z.object({
  version: z.literal(1),
  /** Each key's local values before setup; an empty list means it was unset. */
  config: z.record(z.string(), z.array(z.string())),
  hook: z.object({ path: z.string(), chained: z.string().nullable() }),
  /** Claude Code's local settings before SIGNET_AGENT and its secret were put into their `env`. */
  environment: z.object({ path: z.string(), existed: z.boolean(), values: z.record(z.string(), z.string().nullable()), text: z.string().nullable(), written: z.string() }).optional(),
});
type SetupState = z.infer<typeof SetupState>;

export class GitSetupError extends Error {
  constructor(
    message: string,
    readonly code: 'already-set-up' | 'not-set-up' | 'hook-changed',
  ) {
    super(message);
    this.name = 'GitSetupError';
  }
}

export interface SetupPlan {
  repo: string;
  /** The program git runs to sign (Signet's `git-sign` wrapper). */
  signProgram: string;
  /** `key::ssh-ed25519 …`: the key git names when it signs. */
  signingKey: string;
  agent?: string;
  /** The command the hook runs, already quoted for sh: the Signet launcher with its `--home`. */
  hookCommand: string;
  /** SIGNET_AGENT and SIGNET_AGENT_SECRET for Claude Code's local settings, when asked for. */
  claudeEnvironment?: { SIGNET_AGENT: string; SIGNET_AGENT_SECRET: string };
}

function gitPaths(repo: string): { gitDir: string; hooksDir: string } {
  const gitDir = git(repo, ['rev-parse', '--absolute-git-dir']);
  const hooks = git(repo, ['rev-parse', '--git-path', 'hooks']);
  return { gitDir, hooksDir: isAbsolute(hooks) ? hooks : resolve(repo, hooks) };
}

function localValues(repo: string, key: string): string[] {
  const out = gitMaybe(repo, ['config', '--local', '--get-all', key]);
  return out === undefined ? [] : out.split('\n');
}

/**
 * `git config --unset` leaves an empty `[gpg "ssh"]` or `[commit]` behind; a section that holds nothing after the
 * undo was made by setup, and goes, so that the config file reads as it did.
 */
function removeEmptySections(repo: string): void {
  for (const section of ['gpg.ssh', 'gpg', 'user', 'commit', 'signet']) {
    const pattern = `^${section.replace('.', '\\.')}\\.[^.]+$`;
    if (gitMaybe(repo, ['config', '--local', '--get-regexp', pattern]) === undefined) gitMaybe(repo, ['config', '--local', '--remove-section', section]);
  }
}

export function hookScript(hookCommand: string): string {
  return [
    '#!/bin/sh',
    HOOK_MARK,
    '# It runs the hook that was here before (kept beside it), then names the invocation that allows this commit',
    '# in a Signet-Invocation trailer. `signet git setup --undo` puts the old hook back.',
    `chained="$(dirname "$0")/${HOOK}${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then "$chained" "$@" || exit $?; fi',
    `exec ${hookCommand} git hook ${HOOK} "$@"`,
    '',
  ].join('\n');
}

/** Sets the repository up; returns the repository's top level. Refuses a repository set up already. */
export async function setupRepository(plan: SetupPlan): Promise<string> {
  const repo = repositoryRoot(plan.repo);
  const { gitDir, hooksDir } = gitPaths(repo);
  const statePath = join(gitDir, STATE_FILE);
  if (existsSync(statePath)) throw new GitSetupError(`${repo} is set up for Signet already; run \`signet git setup --undo\` first`, 'already-set-up');
  const hookPath = join(hooksDir, HOOK);
  const chainedPath = hookPath + CHAINED_SUFFIX;
  const state: SetupState = {
    version: 1,
    config: Object.fromEntries(MANAGED_CONFIG_KEYS.map((key) => [key, localValues(repo, key)])),
    hook: { path: hookPath, chained: existsSync(hookPath) ? chainedPath : null },
  };
  // Written before anything changes, so an interrupted setup can still be undone.
  await writeFile(statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  const values: Record<(typeof MANAGED_CONFIG_KEYS)[number], string | undefined> = {
    'gpg.format': 'ssh',
    'gpg.ssh.program': plan.signProgram,
    'user.signingkey': plan.signingKey,
    'commit.gpgsign': 'true',
    'signet.agent': plan.agent,
  };
  for (const key of MANAGED_CONFIG_KEYS) {
    const value = values[key];
    if (value !== undefined) git(repo, ['config', '--local', '--replace-all', key, value]);
    else if (state.config[key]?.length) git(repo, ['config', '--local', '--unset-all', key]);
  }
  await mkdir(hooksDir, { recursive: true });
  if (state.hook.chained) await rename(hookPath, chainedPath);
  await writeFile(hookPath, hookScript(plan.hookCommand), { mode: 0o755 });
  await chmod(hookPath, 0o755);
  if (plan.claudeEnvironment) {
    const environment: EnvironmentBefore = await writeAgentEnvironment(repo, plan.claudeEnvironment);
    await writeFile(statePath, `${JSON.stringify({ ...state, environment }, null, 2)}\n`, { mode: 0o600 });
  }
  return repo;
}

/** Puts back what setup changed: every managed config key as it was, and the old hook (or none). */
export async function undoSetup(dir: string): Promise<string> {
  const repo = repositoryRoot(dir);
  const { gitDir } = gitPaths(repo);
  const statePath = join(gitDir, STATE_FILE);
  let state: SetupState;
  try {
    state = SetupState.parse(JSON.parse(await readFile(statePath, 'utf8')));
  } catch {
    throw new GitSetupError(`${repo} was not set up by \`signet git setup\` (no readable ${statePath}); nothing to undo`, 'not-set-up');
  }
  const hook = await readFile(state.hook.path, 'utf8').catch(() => undefined);
  if (hook !== undefined && !hook.includes(HOOK_MARK)) {
    throw new GitSetupError(`${state.hook.path} is no longer Signet's hook (something replaced it); move it aside and run --undo again`, 'hook-changed');
  }
  for (const [key, before] of Object.entries(state.config)) {
    if (localValues(repo, key).length) git(repo, ['config', '--local', '--unset-all', key]);
    for (const value of before) git(repo, ['config', '--local', '--add', key, value]);
  }
  await rm(state.hook.path, { force: true });
  if (state.hook.chained && existsSync(state.hook.chained)) await rename(state.hook.chained, state.hook.path);
  removeEmptySections(repo);
  if (state.environment) await restoreAgentEnvironment(state.environment);
  await rm(statePath, { force: true });
  return repo;
}
