// `signet git …`: agent-signed commits that stock git and GitHub verify. `setup` makes a repository sign as an
// agent, `pubkey` and `allowed-signers` give the keys to git, GitHub and CI, `env` prints what an agent's
// environment needs to prove which agent it is, and `verify` checks a range of commits against the audit log.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { readRecords } from '../audit/export';
import { indexEvidence, verifyCommit, type CommitVerdict, type KnownSigners } from '../git/commitVerify';
import { setupRepository, undoSetup } from '../git/gitSetup';
import { git, gitBytes, gitMaybe, repositoryRoot } from '../git/gitRepo';
import { parseOpenSshPublicKey, signingKeyLine } from '../git/sshSignature';
import { homePaths } from '../home/signetHome';
import { ensureLauncher } from '../mcp/launcher';
import { GIT_COMMIT_SIGN_COMMAND, type AgentProofParams, type DelegationInfo, type Principal } from '../server/protocol';
import { commandCovers, didKeyFromPublicKey } from '../ucan/index';
import { CliError, connectToDaemon } from './connect';
import { ExitCode } from './exitCode';
import { registerGitSignCommands } from './gitSignCommand';

type Globals = () => { json: boolean; home: string };

const IdentitiesFile = z.object({ user: z.object({ did: z.string() }), agents: z.array(z.object({ name: z.string(), did: z.string() })) });

/** The home's public identities, read from its file: no daemon and no keystore needed. */
async function readIdentities(home: string): Promise<z.infer<typeof IdentitiesFile>> {
  try {
    return IdentitiesFile.parse(JSON.parse(await readFile(homePaths(home).identities, 'utf8')));
  } catch (error) {
    throw new CliError(`cannot read the identities of ${home}: is it a Signet home whose daemon has started once?`, ExitCode.Error, { cause: error });
  }
}

async function principalNamed(home: string, agent: string | undefined): Promise<Principal> {
  const identities = await readIdentities(home);
  if (agent === undefined || agent === 'user') return { did: identities.user.did, name: 'user' };
  const found = identities.agents.find((a) => a.name === agent);
  if (!found) throw new CliError(`there is no agent named "${agent}"; create it with \`signet agent create ${agent}\``, ExitCode.Error);
  return found;
}

/**
 * What an agent's environment needs to prove which agent it is. Only the daemon hands the secret out, and only after
 * a person approves it in the editor (or with `signet approve`): this command may be run by an agent too.
 */
async function agentEnvironment(home: string, agent: Principal, purpose: AgentProofParams['purpose'], rotate = false): Promise<{ SIGNET_AGENT: string; SIGNET_AGENT_SECRET: string }> {
  const client = await connectToDaemon(home, 'ui');
  try {
    process.stderr.write(`signet: asking for ${agent.name}'s proof of identity; approve it in VS Code (or with \`signet approve\`)\n`);
    const result = await client.request('agent/proof', { agent: agent.name, purpose, ...(rotate ? { rotate } : {}) });
    if (result.decision === 'deny') throw new CliError(`${agent.name}'s proof of identity was not handed out (${result.code}): ${result.reason}`, ExitCode.Denied);
    return { SIGNET_AGENT: result.SIGNET_AGENT, SIGNET_AGENT_SECRET: result.SIGNET_AGENT_SECRET };
  } finally {
    client.close();
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `$SIGNET_HOME/bin/signet-git-sign`: the one program git can be given, since gpg.ssh.program takes no arguments. */
async function writeSignProgram(home: string): Promise<{ program: string; hookCommand: string }> {
  const launcher = (await ensureLauncher(home)).path;
  const hookCommand = `${shellQuote(launcher)} --home ${shellQuote(home)}`;
  const program = join(home, 'bin', 'signet-git-sign');
  await writeFile(program, `#!/bin/sh\n# Written by \`signet git setup\`: git runs this as gpg.ssh.program.\nexec ${hookCommand} git-sign "$@"\n`, { mode: 0o755 });
  return { program, hookCommand };
}

/** `YYYYMMDDHHMMSSZ`, the UTC form allowed_signers takes for valid-after / valid-before. */
function signersTime(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/**
 * One allowed_signers line per principal that can sign commits: the user always, each agent over the span of its
 * `/git/commit/sign` delegations (from the first issued to the last expiry; no end when one never expires).
 *
 * The span starts a prompt's wait before the first delegation: git stamps a commit's date when `git commit` starts,
 * and a delegation made by approving that very commit is issued only when the person clicks, up to the approval
 * timeout later. Without this, stock git calls such a commit "not yet valid". The date is the committer's claim in
 * any case; `signet git verify` checks the chain at the time of the audited signature.
 */
export function allowedSignersLines(user: Principal, agents: Principal[], delegations: DelegationInfo[], promptWaitSeconds: number): string[] {
  const lines = [`user@signet.local namespaces="git" ${signingKeyLine(user)}`];
  for (const agent of agents) {
    const rights = delegations.filter((d) => d.audience.did === agent.did && commandCovers(d.cmd, GIT_COMMIT_SIGN_COMMAND));
    if (!rights.length) continue;
    const after = Math.min(...rights.map((d) => Date.parse(d.issuedAt))) - promptWaitSeconds * 1000;
    const ends = rights.map((d) => d.exp);
    const before = ends.includes(null) ? undefined : Math.max(...(ends as number[])) * 1000;
    const options = [`namespaces="git"`, `valid-after="${signersTime(after)}"`, ...(before !== undefined ? [`valid-before="${signersTime(before)}"`] : [])];
    lines.push(`${agent.name}@signet.local ${options.join(',')} ${signingKeyLine(agent)}`);
  }
  return lines;
}

/** Names for signing keys: the home's identities, and the principals of an allowed_signers file. */
async function knownSigners(home: string, allowedSignersFile: string | undefined): Promise<KnownSigners> {
  const names = new Map<string, string>();
  let userDid: string | undefined;
  if (existsSync(homePaths(home).identities)) {
    const identities = await readIdentities(home);
    userDid = identities.user.did;
    for (const a of identities.agents) names.set(a.did, a.name);
  }
  if (allowedSignersFile) {
    for (const line of (await readFile(allowedSignersFile, 'utf8')).split('\n')) {
      const match = /^(\S+)\s+(?:\S+\s+)?(ssh-ed25519\s+\S+)/.exec(line.trim());
      if (!match?.[1] || !match[2] || match[1].startsWith('#')) continue;
      const did = didKeyFromPublicKey(parseOpenSshPublicKey(match[2]));
      if (did !== userDid) names.set(did, match[1].replace(/@signet\.local$/, ''));
    }
  }
  return { names, ...(userDid ? { userDid } : {}) };
}

function verdictTable(verdicts: CommitVerdict[]): string {
  const rows = verdicts.map((v) => {
    const signer = v.signer ? `${v.signer.kind === 'user' ? 'user (human)' : v.signer.name} ${v.signer.did.slice(0, 20)}…` : 'unsigned';
    const head = `${v.ok ? 'ok  ' : 'FAIL'} ${v.commit.slice(0, 12)}  ${signer.padEnd(34)} sig:${v.signature.padEnd(10)} chain:${v.chain.padEnd(9)} audit:${v.audit}${v.auditSeq !== undefined ? ` #${v.auditSeq}` : ''}  ${v.subject}`;
    return [head, ...(v.invocation ? [`       invocation ${v.invocation}`] : []), ...v.problems.map((p) => `       - ${p}`)].join('\n');
  });
  const failed = verdicts.filter((v) => !v.ok).length;
  return [...rows, `${verdicts.length} commit(s), ${failed} failed`].join('\n');
}

function defaultRange(repo: string): string {
  const upstream = gitMaybe(repo, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
  if (!upstream) throw new CliError('this branch has no upstream; name a range, such as `signet git verify origin/main..HEAD`', ExitCode.Usage);
  return `${upstream}..HEAD`;
}

function registerSetup(group: Command, globals: Globals): void {
  group
    .command('setup')
    .description('sign this repository’s commits as an agent: local gpg config, signing key, and a prepare-commit-msg hook')
    .option('--agent <name>', 'the agent whose key signs (default: the agent SIGNET_AGENT names at each commit)')
    .option('--repo <dir>', 'the repository (default: the current folder)')
    .option('--claude-code', "also put the agent's SIGNET_AGENT and SIGNET_AGENT_SECRET into .claude/settings.local.json (env), for Claude Code's commands")
    .option('--undo', 'put back the config, hook and settings as they were before setup')
    .action(async (opts: { agent?: string; repo?: string; undo?: boolean; claudeCode?: boolean }) => {
      const { json, home } = globals();
      const dir = resolve(opts.repo ?? process.cwd());
      if (opts.undo) {
        const repo = await undoSetup(dir);
        process.stdout.write(json ? `${JSON.stringify({ undone: repo })}\n` : `restored the git config and hooks of ${repo}\n`);
        return;
      }
      if (opts.claudeCode && !opts.agent) throw new CliError('--claude-code needs --agent: the settings name one agent', ExitCode.Usage);
      const signer = await principalNamed(home, opts.agent);
      const { program, hookCommand } = await writeSignProgram(home);
      const claudeEnvironment = opts.claudeCode ? await agentEnvironment(home, signer, 'claude-code-settings') : undefined;
      const repo = await setupRepository({ repo: dir, signProgram: program, signingKey: `key::${signingKeyLine(signer)}`, hookCommand, ...(opts.agent ? { agent: opts.agent } : {}), ...(claudeEnvironment ? { claudeEnvironment } : {}) });
      const summary = { repo, agent: opts.agent ?? null, signingKey: signingKeyLine(signer), program };
      process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `commits in ${repo} are now signed as ${opts.agent ?? 'the agent SIGNET_AGENT names'} through ${program}\nsigning key: ${summary.signingKey}\n`);
    });
}

function registerKeys(group: Command, globals: Globals): void {
  group
    .command('pubkey')
    .description('print an agent’s signing key in the form GitHub takes as an SSH signing key')
    .option('--agent <name>', 'the agent (default: the user)')
    .action(async (opts: { agent?: string }) => {
      const { json, home } = globals();
      const principal = await principalNamed(home, opts.agent);
      const key = signingKeyLine(principal);
      process.stdout.write(json ? `${JSON.stringify({ ...principal, publicKey: key })}\n` : `${key}\n`);
    });
  group
    .command('allowed-signers')
    .description('write an allowed_signers file for gpg.ssh.allowedSignersFile (the user and each agent with a /git/commit/sign delegation)')
    .option('--output <file>', 'write it here instead of printing it')
    .action(async (opts: { output?: string }) => {
      const { home } = globals();
      const client = await connectToDaemon(home, 'ui');
      try {
        const { user, agents } = await client.request('agent/list', {});
        const { delegations } = await client.request('delegation/list', { includeInactive: true });
        // A margin over the approval timeout for the time between git stamping the date and the prompt appearing.
        const { approvalTimeoutSeconds } = await client.request('daemon/status', {});
        const text = `${allowedSignersLines(user, agents, delegations, approvalTimeoutSeconds + 60).join('\n')}\n`;
        if (!opts.output) return void process.stdout.write(text);
        await mkdir(dirname(resolve(opts.output)), { recursive: true });
        await writeFile(opts.output, text);
      } finally {
        client.close();
      }
    });
  group
    .command('env')
    .description("print the environment an agent's commands need so that Signet knows it is that agent (SIGNET_AGENT, SIGNET_AGENT_SECRET); a person approves each hand-out")
    .requiredOption('--agent <name>')
    .option('--rotate', "first give the agent a new secret: every copy handed out before stops proving anything")
    .action(async (opts: { agent: string; rotate?: boolean }) => {
      const { json, home } = globals();
      const env = await agentEnvironment(home, await principalNamed(home, opts.agent), 'shell-environment', opts.rotate === true);
      process.stdout.write(json ? `${JSON.stringify(env)}\n` : `export SIGNET_AGENT=${shellQuote(env.SIGNET_AGENT)}\nexport SIGNET_AGENT_SECRET=${shellQuote(env.SIGNET_AGENT_SECRET)}\n`);
    });
}

function registerVerify(group: Command, globals: Globals): void {
  group
    .command('verify')
    .description('check each commit of a range: signer, signature, the invocation and chain it was signed under, and its audit record')
    .argument('[range]', 'a revision range (default: the current branch against its upstream)')
    .option('--log <dir>', 'read a copy of the audit log in this folder instead of the home’s')
    .option('--allowed-signers <file>', 'also name signers from this allowed_signers file')
    .option('--signatures-only', 'check signatures and signers only, for CI without the audit log')
    .action(async (range: string | undefined, opts: { log?: string; allowedSigners?: string; signaturesOnly?: boolean }) => {
      const { json, home } = globals();
      const repo = repositoryRoot(process.cwd());
      // A range is a revision expression, never an option for git.
      if (range?.startsWith('-')) throw new CliError(`"${range}" is not a revision range`, ExitCode.Usage);
      const commits = git(repo, ['rev-list', '--reverse', range ?? defaultRange(repo), '--']).split('\n').filter(Boolean);
      const dir = opts.log ?? homePaths(home).auditDir;
      if (!opts.signaturesOnly && !existsSync(dir)) throw new CliError(`no audit log at ${dir}: pass --log DIR, or --signatures-only to check signatures alone`, ExitCode.Usage);
      const evidence = opts.signaturesOnly ? undefined : indexEvidence(await readRecords(dir));
      const signers = await knownSigners(home, opts.allowedSigners);
      const verdicts = commits.map((c) => verifyCommit(c, gitBytes(repo, ['cat-file', 'commit', c]), signers, evidence));
      process.stdout.write(json ? `${JSON.stringify({ range: range ?? null, ok: verdicts.every((v) => v.ok), commits: verdicts }, null, 2)}\n` : `${verdictTable(verdicts)}\n`);
      if (!verdicts.every((v) => v.ok)) process.exitCode = ExitCode.VerificationFailed;
    });
}

export function registerGitCommands(program: Command, globals: Globals): void {
  const group = program.command('git').description('agent-signed git commits: setup, keys, verification');
  registerSetup(group, globals);
  registerKeys(group, globals);
  registerVerify(group, globals);
  registerGitSignCommands(program, group, globals);
}
