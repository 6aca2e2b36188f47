// Agent-signed commits in the real workbench: a real git repository (the opened folder), `signet git setup` through
// the CLI, and real `git commit`s by a process that names the agent coder (SIGNET_AGENT) without its secret, so the
// daemon must ask. Chromium clicks the prompt's Sign as coder, Sign as me and Deny; stock `git verify-commit` and
// `ssh-keygen` check what was signed, and by which key. Screenshots go to test-output/ui/git-commits/screenshots/.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { DaemonClient } from '../../daemon/src/client/daemonClient';
import { runProgram, runSignet, type CliRun } from '../support/cliProcess';
import { Workbench, testWithScreenshots } from './workbench';

const vsix = process.env.SIGNET_VSIX;
const uiOut = process.env.SIGNET_UI_OUT;
if (!vsix || !uiOut) throw new Error('run the UI tests through test/ui/run.mjs, which packages the .vsix and sets SIGNET_VSIX and SIGNET_UI_OUT');

let bench: Workbench;
const test = testWithScreenshots(() => bench);
let ui: DaemonClient;
/** The opened folder, made a git repository: the person's project, where an agent commits. */
let repo: string;
const commits: { asCoder?: string; asMe?: string } = {};

/** git and the CLI without the machine's git config or Signet variables: only the repository's config applies. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  delete env.SIGNET_AGENT;
  delete env.SIGNET_AGENT_SECRET;
  return env;
}

/** A process that names coder and cannot prove it: no SIGNET_AGENT_SECRET, as an agent's shell without Signet's set-up. */
const claimsCoder = (): NodeJS.ProcessEnv => ({ ...cleanEnv(), SIGNET_AGENT: 'coder' });

function ok(result: CliRun, what: string): string {
  assert.equal(result.code, 0, `${what}: ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

const git = (args: string[], env = cleanEnv()) => runProgram('git', args, { cwd: repo, env });
const signet = (args: string[]) => runSignet(bench.home, args, cleanEnv());
const head = async () => ok(await git(['rev-parse', 'HEAD']), 'rev-parse');

/**
 * Stages a change and starts `git commit` as the claiming process, which waits on the prompt while the test clicks.
 * The commit comes back wrapped: an async function returning the bare promise would wait for the commit itself.
 */
async function commitClaimingCoder(message: string): Promise<{ done: Promise<CliRun> }> {
  writeFileSync(join(repo, 'src', 'auth.ts'), `export const sessionTtl = 900; // ${message}\n`);
  ok(await git(['add', 'src/auth.ts']), 'git add');
  return { done: git(['commit', '-q', '-m', message], claimsCoder()) };
}

async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

/** `SHA256:…`, the fingerprint ssh-keygen gives an OpenSSH public key line. */
async function fingerprintOf(publicKeyLine: string, name: string): Promise<string> {
  const file = join(uiOut!, 'git-commits', `${name}.pub`);
  writeFileSync(file, `${publicKeyLine}\n`);
  const printed = ok(await runProgram('ssh-keygen', ['-l', '-f', file]), 'ssh-keygen -l');
  const fingerprint = /SHA256:\S+/.exec(printed)?.[0];
  assert.ok(fingerprint, printed);
  return fingerprint;
}

/** Stock `git verify-commit` of HEAD against the allowed_signers file `signet git allowed-signers` writes now. */
async function verifyHead(): Promise<{ principal: string; fingerprint: string }> {
  const allowed = join(uiOut!, 'git-commits', 'allowed_signers');
  ok(await signet(['git', 'allowed-signers', '--output', allowed]), 'git allowed-signers');
  const verified = await git(['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'HEAD']);
  assert.equal(verified.code, 0, `git verify-commit accepts HEAD: ${verified.stderr}`);
  const good = /Good "git" signature for (\S+) with ED25519 key (SHA256:\S+)/.exec(verified.stderr);
  assert.ok(good?.[1] && good[2], verified.stderr);
  return { principal: good[1], fingerprint: good[2] };
}

before(async () => {
  bench = await Workbench.start({ outDir: join(uiOut, 'git-commits'), vsix, keystore: process.env.SIGNET_SECRET_SERVICE === 'private' ? undefined : 'file' });
  await bench.statusBarItem().filter({ hasText: /^\s*Signet\s*$/ }).waitFor({ timeout: 90_000 });
  ui = await bench.uiClient();
  await ui.request('agent/create', { name: 'coder' });
  repo = bench.workspace;
  ok(await git(['init', '-q', '-b', 'main']), 'git init');
  ok(await git(['config', 'user.name', 'Dev']), 'user.name');
  ok(await git(['config', 'user.email', 'dev@example.com']), 'user.email');
  ok(await git(['add', '.']), 'git add');
  // Made before Signet, so that every signed commit has a parent.
  ok(await git(['commit', '-q', '-m', 'before Signet']), 'first commit');
  ok(await signet(['git', 'setup', '--agent', 'coder', '--repo', repo]), 'git setup');
});

after(async () => {
  ui?.close();
  if (bench) await bench.closeWithDaemon();
});

test('a commit by a process that only names coder brings up a prompt saying who wants to sign in which repository and branch, and waits on it', async () => {
  const { done: committing } = await commitClaimingCoder('shorter sessions');
  const prompt = await bench.findPrompt('wants to sign a commit');
  const text = await prompt.innerText();
  assert.match(text, /coder wants to sign a commit in workspace on main \(the process did not prove it is coder\)/);
  assert.deepEqual(await prompt.getByRole('link').allInnerTexts(), ['Sign as coder', 'Sign as me', 'Deny'], 'an unproven name is asked about: who signs, or no one');
  await bench.screenshot('git-1-prompt');
  assert.equal(await settledWithin(committing, 500), undefined, 'git commit waits on the person');

  await prompt.getByRole('link', { name: 'Sign as coder' }).click();
  ok(await committing, 'git commit after Sign as coder');
  commits.asCoder = await head();
  assert.match(ok(await git(['log', '-1', '--format=%B']), 'log'), /^Signet-Invocation: bafy[a-z2-7]+$/m, 'the commit names its invocation');
});

test("Sign as coder: stock git verify-commit accepts the commit, signed by coder's own key", async () => {
  const { principal, fingerprint } = await verifyHead();
  assert.equal(principal, 'coder@signet.local');
  const coderKey = ok(await signet(['git', 'pubkey', '--agent', 'coder']), 'git pubkey --agent coder');
  assert.equal(fingerprint, await fingerprintOf(coderKey, 'coder'), "the signature's key is coder's");
  const shown = ok(await git(['-c', `gpg.ssh.allowedSignersFile=${join(uiOut!, 'git-commits', 'allowed_signers')}`, 'log', '-1', '--show-signature', '--format=%H']), 'log --show-signature');
  assert.ok(shown.includes(`Good "git" signature for coder@signet.local with ED25519 key ${fingerprint}`) && shown.includes(commits.asCoder!), shown);
});

test("on another branch, the prompt names that branch, and Sign as me signs the commit with the user's key instead", async () => {
  ok(await git(['switch', '-q', '-c', 'feature/login']), 'git switch');
  const { done: committing } = await commitClaimingCoder('login form');
  const prompt = await bench.findPrompt('on feature/login');
  assert.match(await prompt.innerText(), /coder wants to sign a commit in workspace on feature\/login/);
  await prompt.getByRole('link', { name: 'Sign as me' }).click();
  ok(await committing, 'git commit after Sign as me');
  commits.asMe = await head();
  const { principal, fingerprint } = await verifyHead();
  assert.equal(principal, 'user@signet.local');
  const userKey = ok(await signet(['git', 'pubkey']), 'git pubkey');
  assert.equal(fingerprint, await fingerprintOf(userKey, 'user'), "the signature's key is the user's, not coder's");
  await prompt.waitFor({ state: 'detached' });
});

test('Deny: git commit fails naming the refusal, no commit is made, and the staged change is still there', async () => {
  const before = await head();
  const { done: committing } = await commitClaimingCoder('not this one');
  const prompt = await bench.findPrompt('wants to sign a commit');
  await prompt.getByRole('link', { name: 'Deny' }).click();
  const refused = await committing;
  assert.notEqual(refused.code, 0, 'git commit fails when the person denies');
  assert.match(refused.stderr, /denied-by-user/, refused.stderr);
  assert.equal(await head(), before, 'no commit was made');
  assert.match(ok(await git(['status', '--porcelain']), 'status'), /^M {2}src\/auth\.ts$/m, 'the change is still staged');
  await prompt.waitFor({ state: 'detached' });
});

test('the timeline shows both signed commits with their hash, repository and branch, and who signed the second', async () => {
  await bench.runCommand('Signet: Show Timeline');
  const frame = bench.timelineFrame();
  const asCoder = frame.locator('[data-kinds~="git.commit.signed"]').filter({ hasText: commits.asCoder!.slice(0, 12) }).first();
  await asCoder.waitFor();
  assert.match(await asCoder.innerText(), new RegExp(`coder[\\s\\S]*signed commit ${commits.asCoder!.slice(0, 12)} in workspace on main`));
  const asMe = frame.locator('[data-kinds~="git.commit.signed"]').filter({ hasText: commits.asMe!.slice(0, 12) }).first();
  assert.match(await asMe.innerText(), /in workspace on feature\/login as the user, asked by coder/);
  // The details carry the whole hash, as the record holds it, and whose key signed it.
  await asCoder.click();
  const details = frame.locator('#details');
  assert.equal(await details.locator('code.commit').innerText(), commits.asCoder);
  assert.match(await details.innerText(), /Signed by\s+coder/);
  await bench.screenshot('git-2-timeline');
});

test("the Agents view shows coder's commit signing key in its tooltip, the key that signed the first commit", async () => {
  const coderKey = ok(await signet(['git', 'pubkey', '--agent', 'coder']), 'git pubkey --agent coder');
  await bench.openAgentsView();
  const row = bench.treeRow('coder').first();
  await row.waitFor();
  await row.hover();
  const hover = bench.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'commit signing key' }).first();
  await hover.waitFor();
  const text = (await hover.innerText()).replace(/\s+/g, '');
  assert.ok(text.includes(coderKey.replace(/\s+/g, '')), `the tooltip shows ${coderKey}, got: ${text}`);
  await bench.screenshot('git-3-agent-key');
});
