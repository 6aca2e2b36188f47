// `signet git-sign` (what git runs as `gpg.ssh.program`) and `signet git hook prepare-commit-msg`.
//
// git runs its SSH signing program exactly as it runs ssh-keygen (git 2.39 here):
//   sign:    -Y sign -n git -f KEYFILE [-U] BUFFERFILE          and reads BUFFERFILE.sig
//   verify:  -Y find-principals -f ALLOWED -s SIGFILE -Overify-time=YYYYMMDDHHMMSS
//            -Y verify -n git -f ALLOWED -I PRINCIPAL -s SIGFILE -Overify-time=…   (payload on stdin)
//            -Y check-novalidate -n git -s SIGFILE -Overify-time=…                 (payload on stdin)
// Signing goes to the daemon, which holds the agent's key; everything else is handed to the real ssh-keygen
// unchanged, so that what verifies a Signet signature is stock OpenSSH.
import { spawnSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { DaemonClient } from '../client/daemonClient';
import { INVOCATION_TRAILER } from '../git/commitObject';
import { currentBranch, git, gitMaybe, repositoryRoot } from '../git/gitRepo';
import type { GitSignResult } from '../server/protocol';
import { CliError, connectToDaemon } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

interface SignArguments {
  namespace: string;
  keyFile: string | undefined;
  bufferFile: string;
}

/** The options of `ssh-keygen -Y sign` that git passes; anything else is a usage error, said plainly. */
export function parseSignArguments(args: readonly string[]): SignArguments {
  let namespace: string | undefined;
  let keyFile: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-Y') i++;
    else if (arg === '-n') namespace = args[++i];
    else if (arg === '-f') keyFile = args[++i];
    else if (arg === '-U') continue;
    else if (arg === '-O') i++;
    else if (arg.startsWith('-O')) continue;
    else if (arg.startsWith('-')) throw new CliError(`signet git-sign does not know the ssh-keygen option ${arg}`, ExitCode.Usage);
    else files.push(arg);
  }
  if (namespace === undefined) throw new CliError('signet git-sign -Y sign needs -n NAMESPACE, as git passes it', ExitCode.Usage);
  if (files.length !== 1) throw new CliError(`signet git-sign -Y sign signs one file at a time, as git asks; got ${files.length}`, ExitCode.Usage);
  return { namespace, keyFile, bufferFile: files[0]! };
}

/** The agent this process says it is: SIGNET_AGENT, else the repository's `signet.agent` (set by `git setup --agent`). */
function claimedAgent(repo: string): string {
  const name = process.env.SIGNET_AGENT || gitMaybe(repo, ['config', 'signet.agent']);
  if (!name) throw new CliError('no agent to sign as: SIGNET_AGENT is not set and this repository names none (`signet git setup --agent NAME`)', ExitCode.Usage);
  return name;
}

function secret(): { agentSecret: string } | Record<string, never> {
  const value = process.env.SIGNET_AGENT_SECRET;
  return value ? { agentSecret: value } : {};
}

async function withAgentClient<T>(home: string, work: (client: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(home, 'agent');
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

function refused(result: Extract<GitSignResult, { decision: 'deny' }>, what: string): CliError {
  return new CliError(`${what} refused (${result.code}): ${result.reason}`, ExitCode.Denied);
}

async function signBuffer(home: string, args: readonly string[]): Promise<void> {
  const { namespace, bufferFile } = parseSignArguments(args);
  if (namespace !== 'git') throw new CliError(`signet git-sign signs only in the "git" namespace, not "${namespace}"`, ExitCode.Usage);
  const repo = repositoryRoot(process.cwd());
  const payload = await readFile(bufferFile);
  const result = await withAgentClient(home, (client) =>
    client.request('git/sign', { step: 'sign', agent: claimedAgent(repo), ...secret(), repo, payload: payload.toString('base64'), namespace: 'git' }),
  );
  if (result.decision === 'deny') throw refused(result, 'signing the commit was');
  await writeFile(`${bufferFile}.sig`, result.signature ?? '', { mode: 0o600 });
  process.stderr.write(`signet: signed ${result.commit ? `commit ${result.commit.slice(0, 12)} ` : ''}as ${result.signer.principal.name} (${result.signer.principal.did})\n`);
}

/** Everything but signing is OpenSSH's own work: the real ssh-keygen, same arguments, same stdin and stdout. */
function passToSshKeygen(args: readonly string[]): void {
  const run = spawnSync('ssh-keygen', args, { stdio: 'inherit' });
  if (run.error) throw new CliError(`ssh-keygen could not be run (${run.error.message}); install OpenSSH's client (openssh-client)`, ExitCode.Error);
  process.exitCode = run.status ?? ExitCode.Error;
}

/** How long a prepare may take before the hook says that a person is being asked. */
const WAITING_NOTICE_MS = 1500;

/** The prepare-commit-msg step: authorize the commit now and name the invocation in the message's trailer. */
async function prepareCommitMessage(home: string, messageFile: string): Promise<void> {
  const repo = repositoryRoot(process.cwd());
  const branch = currentBranch(repo);
  const agent = claimedAgent(repo);
  // An answer that takes a while is a person being asked: say where, or the terminal just hangs for two minutes.
  const notice = setTimeout(() => process.stderr.write(`signet: waiting for a person to approve ${agent} signing this commit in ${branch === 'HEAD' ? 'a detached HEAD' : branch} (the prompt in VS Code, or \`signet approvals\`)\n`), WAITING_NOTICE_MS);
  const result = await withAgentClient(home, (client) => client.request('git/sign', { step: 'prepare', agent, ...secret(), repo, branch })).finally(() => clearTimeout(notice));
  if (result.decision === 'deny') throw refused(result, 'the commit was not signed:');
  // `git merge -m` writes MERGE_MSG without a final newline, and interpret-trailers then puts the trailer right under
  // the subject line, where git (and the daemon) count no trailer: end the message first.
  const message = await readFile(messageFile);
  if (message.length > 0 && message.at(-1) !== 0x0a) await appendFile(messageFile, '\n');
  git(repo, ['interpret-trailers', '--in-place', '--if-exists', 'replace', '--trailer', `${INVOCATION_TRAILER}: ${result.invocationCid}`, messageFile]);
  process.stderr.write(`signet: this commit will be signed by ${result.signer.principal.name} under invocation ${result.invocationCid}\n`);
}

export function registerGitSignCommands(program: import('commander').Command, gitGroup: import('commander').Command, globals: Globals): void {
  program
    .command('git-sign')
    .description("git's SSH signing program (gpg.ssh.program): signs as the acting agent through the daemon; verification is passed to ssh-keygen")
    .helpOption(false)
    .allowUnknownOption()
    .argument('[ssh-keygen-arguments...]')
    .action(async (args: string[]) => {
      const op = args[args.indexOf('-Y') + 1];
      if (args.includes('-Y') && op === 'sign') await signBuffer(globals().home, args);
      else passToSshKeygen(args);
    });
  gitGroup
    .command('hook')
    .description('run by the git hooks `signet git setup` installs')
    .argument('<hook>', 'prepare-commit-msg')
    .argument('<file>', "the commit message file git passes")
    .argument('[rest...]', "the hook's other arguments")
    .action(async (hook: string, file: string) => {
      if (hook !== 'prepare-commit-msg') throw new CliError(`signet git hook knows only prepare-commit-msg, not ${hook}`, ExitCode.Usage);
      await prepareCommitMessage(globals().home, file);
    });
}
