// Agent-signed commits with the real git and the real OpenSSH: a commit made through `signet git-sign` verifies
// with stock `git verify-commit` and `ssh-keygen -Y verify`; a changed payload, a copied trailer, a revoked right,
// an unsigned commit and an unproven agent name are each caught; `git setup --undo` restores config and hook.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { splitCommitObject, invocationTrailers } from '../../daemon/src/git/commitObject';
import { MAX_PREPARED_PER_AGENT } from '../../daemon/src/git/commitSigner';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { nextNotification, startHarness, tempDir, type Harness } from '../support/daemonHarness';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist/cli.js');
/** git and the CLI without the machine's own git config, so that nothing but the repository's config applies. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  delete env.SIGNET_AGENT;
  delete env.SIGNET_AGENT_SECRET;
  return env;
};

/**
 * Runs a process without blocking: the daemon runs in this test's own process, and git's signing program must be
 * able to reach it while git runs.
 */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv(), input?: string | Buffer): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('latin1')));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ status: code, stdout, stderr }));
    child.stdin.end(input);
  });
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ok(result: Ran, what: string): string {
  assert.equal(result.status, 0, `${what}: ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

async function newRepo(): Promise<string> {
  const repo = tempDir('signet-repo-');
  ok(await run('git', ['init', '-q', '-b', 'main'], repo), 'git init');
  ok(await run('git', ['config', 'user.name', 'Dev'], repo), 'name');
  ok(await run('git', ['config', 'user.email', 'dev@example.com'], repo), 'email');
  return repo;
}

describe('agent-signed commits (real git, real OpenSSH)', () => {
  let h: Harness;
  let repo: string;
  let agentEnv: NodeJS.ProcessEnv;
  let delegation: string;
  const signet = (args: string[], env: NodeJS.ProcessEnv = cleanEnv(), cwd = repo) => run(process.execPath, [cli, '--home', h.home, ...args], cwd, env);
  const commit = async (message: string, env: NodeJS.ProcessEnv = agentEnv, extra: string[] = []) => {
    writeFileSync(join(repo, 'file.txt'), `${message}\n`);
    ok(await run('git', ['add', 'file.txt'], repo, env), 'git add');
    return run('git', ['commit', '-q', ...extra, '-m', message], repo, env);
  };
  const head = async () => ok(await run('git', ['rev-parse', 'HEAD'], repo), 'rev-parse');
  const gitOk = async (args: string[], env: NodeJS.ProcessEnv = cleanEnv()) => ok(await run('git', args, repo, env), `git ${args.join(' ')}`);
  /** The agent's proof, handed out as a person approves it (agentProofs.test.ts says more). */
  const proofOf = async (agent: string) => {
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const env = signet(['--json', 'git', 'env', '--agent', agent]);
    await h.ui.request('approval/decide', { id: (await asked).id, decision: 'once', decidedBy: 'test' });
    return JSON.parse(ok(await env, 'git env')) as { SIGNET_AGENT: string; SIGNET_AGENT_SECRET: string };
  };
  /** The two steps as git's hook and signing program send them, with coder's secret unless told otherwise. */
  const prepare = async (branch = 'main', agent = 'coder', agentSecret = agentEnv.SIGNET_AGENT_SECRET!) => {
    const prepared = await h.agent.request('git/sign', { step: 'prepare', agent, agentSecret, repo, branch });
    assert.equal(prepared.decision, 'allow', JSON.stringify(prepared));
    return prepared.decision === 'allow' ? prepared.invocationCid : '';
  };
  const sign = (payload: string, agent = 'coder', agentSecret = agentEnv.SIGNET_AGENT_SECRET!) => h.agent.request('git/sign', { step: 'sign', agent, agentSecret, repo, payload, namespace: 'git' });
  /** A commit payload on `parent` (a root commit when null) naming invocation `cid`, base64 as git-sign sends it. */
  const payloadOn = (parent: string | null, cid: string, message = 'a change') =>
    Buffer.from(`tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n${parent ? `parent ${parent}\n` : ''}author A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\n${message}\n\nSignet-Invocation: ${cid}\n`).toString('base64');
  const signedRecord = async (commit: string) => {
    const { records } = await h.ui.request('audit/query', {});
    const found = records.find((r) => r.kind === 'git.commit.signed' && r.data.commit === commit);
    assert.ok(found, `a git.commit.signed record for ${commit}`);
    return found.data;
  };

  before(async () => {
    const home = tempDir('signet-home-');
    h = await startHarness({ home, listen: true, secretStore: openSecretStore({ kind: 'keychain', home }) });
    await h.ui.request('agent/create', { name: 'coder' });
    delegation = (await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 })).cid;
    repo = await newRepo();
    // A first commit made before setup, so that every signed commit has a parent to name a range from.
    ok(await run('git', ['commit', '-q', '--allow-empty', '-m', 'before Signet'], repo), 'first commit');
    ok(await signet(['git', 'setup', '--agent', 'coder', '--repo', repo]), 'git setup');
    agentEnv = { ...cleanEnv(), ...(await proofOf('coder')) };
  });
  after(() => h?.close());

  test('a commit signed through signet git-sign is accepted by git verify-commit and ssh-keygen -Y verify with the generated allowed_signers', async () => {
    ok(await commit('add the first feature'), 'commit as coder');
    const allowed = join(repo, '.git', 'allowed_signers');
    ok(await signet(['git', 'allowed-signers', '--output', allowed]), 'allowed-signers');
    assert.match(readFileSync(allowed, 'utf8'), /^coder@signet\.local namespaces="git",valid-after="\d{14}Z",valid-before="\d{14}Z" ssh-ed25519 /m);
    const verified = await run('git', ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'HEAD'], repo);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stderr, /Good "git" signature for coder@signet\.local with ED25519 key/);

    const object = Buffer.from(ok(await run('git', ['cat-file', 'commit', 'HEAD'], repo), 'cat-file') + '\n', 'latin1');
    const split = splitCommitObject(object);
    const sigFile = join(repo, '.git', 'head.sig');
    writeFileSync(sigFile, split.signature ?? '');
    const keygen = await run('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'coder@signet.local', '-n', 'git', '-s', sigFile], repo, cleanEnv(), split.payload);
    assert.equal(keygen.status, 0, keygen.stderr);
    assert.match(keygen.stdout, /Good "git" signature for coder@signet\.local/);
  });

  test("the trailer's CID names the invocation in the audit log, and the signature's record binds it to the commit and its payload", async () => {
    const hash = await head();
    const message = ok(await run('git', ['log', '-1', '--format=%B'], repo), 'log');
    const [cid] = invocationTrailers(message);
    assert.ok(cid, message);
    const { records } = await h.ui.request('audit/query', {});
    const allowed = records.find((r) => r.kind === 'authorize.allowed' && r.data.invocation === cid);
    assert.equal(allowed?.data.cmd, '/git/commit/sign');
    assert.deepEqual(allowed?.data.chain, [delegation]);
    const signed = records.find((r) => r.kind === 'git.commit.signed' && r.data.commit === hash);
    assert.equal(signed?.data.invocation, cid);
    assert.equal((signed?.data.signer as { name: string }).name, 'coder');
    const verify = JSON.parse(ok(await signet(['--json', 'git', 'verify', 'HEAD~1..HEAD']), 'verify')) as { ok: boolean; commits: { signer: { name: string }; chain: string; audit: string; auditSeq: number }[] };
    assert.equal(verify.ok, true);
    assert.deepEqual([verify.commits[0]?.signer.name, verify.commits[0]?.chain, verify.commits[0]?.audit, verify.commits[0]?.auditSeq], ['coder', 'valid', 'recorded', signed?.seq]);
  });

  test('signet report lists the commits the agent signed, with their hash and invocation', async () => {
    const hash = await head();
    const report = ok(await signet(['report', '--agent', 'coder']), 'report');
    const section = report.slice(report.indexOf('### Signed commits'));
    assert.match(section, new RegExp(`\\| coder \\| ${hash} \\| ${repo.replace(/[/.]/g, '\\$&')} \\| main \\| bafy[a-z2-7]+ \\|`));
    const files = report.slice(report.indexOf('### Files touched'), report.indexOf('### Tools called'));
    assert.ok(files.includes(`| ${repo} |`) && !files.includes('unclassified:'), `the repository is a file touched, the branch and the proof's words are not: ${files}`);
  });

  test('a commit whose payload was changed after signing is refused by git, by ssh-keygen and by signet git verify', async () => {
    const object = ok(await run('git', ['cat-file', 'commit', 'HEAD'], repo), 'cat-file') + '\n';
    const forged = object.replace('add the first feature', 'add the first feature and a backdoor');
    const forgedId = ok(await run('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], repo, cleanEnv(), forged), 'hash-object');
    const allowed = join(repo, '.git', 'allowed_signers');
    const verified = await run('git', ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', forgedId], repo);
    assert.notEqual(verified.status, 0, 'git verify-commit refuses the changed commit');
    const split = splitCommitObject(Buffer.from(forged, 'latin1'));
    const sigFile = join(repo, '.git', 'forged.sig');
    writeFileSync(sigFile, split.signature ?? '');
    const keygen = await run('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'coder@signet.local', '-n', 'git', '-s', sigFile], repo, cleanEnv(), split.payload);
    assert.notEqual(keygen.status, 0, 'ssh-keygen refuses the changed payload');
    const report = await signet(['--json', 'git', 'verify', `${forgedId}~1..${forgedId}`]);
    assert.equal(report.status, 6, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { commits: { signature: string }[] }).commits[0]?.signature, 'invalid');
  });

  test('a copied trailer cannot sign a second payload, and a trailer that names nothing Signet prepared is refused', async () => {
    const object = ok(await run('git', ['cat-file', 'commit', 'HEAD'], repo), 'cat-file') + '\n';
    const payload = splitCommitObject(Buffer.from(object, 'latin1')).payload.toString('latin1').replace('add the first feature', 'something else');
    const again = await h.agent.request('git/sign', { step: 'sign', agent: 'coder', agentSecret: agentEnv.SIGNET_AGENT_SECRET!, repo, payload: Buffer.from(payload, 'latin1').toString('base64'), namespace: 'git' });
    assert.deepEqual([again.decision, again.decision === 'deny' && again.code], ['deny', 'unknown-invocation']);
    const bare = await h.agent.request('git/sign', { step: 'sign', agent: 'coder', repo, payload: Buffer.from(`tree ${'0'.repeat(40)}\n\nno trailer\n`).toString('base64'), namespace: 'git' });
    assert.deepEqual([bare.decision, bare.decision === 'deny' && bare.code], ['deny', 'no-invocation-trailer']);
  });

  test('two payloads sent at once under one prepared invocation get one signature, and a tag payload is refused', async () => {
    const cid = await prepare();
    const tip = await head();
    const both = await Promise.all([sign(payloadOn(tip, cid, 'first')), sign(payloadOn(tip, cid, 'second'))]);
    assert.deepEqual(both.map((r) => r.decision).sort(), ['allow', 'deny']);
    const tag = Buffer.from(`object ${'1'.repeat(40)}\ntype commit\ntag v1.0\ntagger c <c@x> 1 +0000\n\nrelease\n\nSignet-Invocation: ${cid}\n`).toString('base64');
    const tagged = await sign(tag);
    assert.deepEqual([tagged.decision, tagged.decision === 'deny' && tagged.code], ['deny', 'invalid-arguments']);
  });

  test('unsigned commits in the range make signet git verify exit non-zero', async () => {
    const base = await head();
    ok(await commit('an unsigned change', agentEnv, ['--no-gpg-sign']), 'unsigned commit');
    const report = await signet(['git', 'verify', `${base}..HEAD`]);
    assert.equal(report.status, 6, report.stdout);
    assert.match(report.stdout, /FAIL [0-9a-f]{12} {2}unsigned/);
    assert.match(report.stdout, /1 commit\(s\), 1 failed/);
  });

  test('a right revoked between prepare and sign stops the signature, and a commit dated after the revocation is reported', async () => {
    const base = await head();
    const future = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
    ok(await commit('dated after the revocation', { ...agentEnv, GIT_COMMITTER_DATE: future }), 'future-dated commit');
    const prepared = await h.agent.request('git/sign', { step: 'prepare', agent: 'coder', agentSecret: agentEnv.SIGNET_AGENT_SECRET!, repo, branch: 'main' });
    assert.equal(prepared.decision, 'allow');
    await h.ui.request('delegation/revoke', { cid: delegation });
    const payload = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nlate\n\nSignet-Invocation: ${prepared.invocationCid}\n`;
    const late = await h.agent.request('git/sign', { step: 'sign', agent: 'coder', agentSecret: agentEnv.SIGNET_AGENT_SECRET!, repo, payload: Buffer.from(payload).toString('base64'), namespace: 'git' });
    assert.deepEqual([late.decision, late.decision === 'deny' && late.code], ['deny', 'chain-revoked']);
    const report = await signet(['--json', 'git', 'verify', `${base}..HEAD`]);
    assert.equal(report.status, 6, report.stderr);
    const verdict = (JSON.parse(report.stdout) as { commits: { signature: string; chain: string; problems: string[] }[] }).commits[0];
    assert.deepEqual([verdict?.signature, verdict?.chain], ['valid', 'invalid']);
    assert.ok(verdict?.problems.some((p) => p.includes(delegation) && p.includes("before the commit's date")), verdict?.problems.join('\n'));
  });

  test("an agent name without the agent's secret is asked about: Sign as me signs with the user's key, Deny signs nothing", { timeout: 120_000 }, async () => {
    // coder holds a live right again, so only the missing secret can be why the person is asked.
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 });
    const proven = await h.agent.request('git/sign', { step: 'prepare', agent: 'coder', agentSecret: agentEnv.SIGNET_AGENT_SECRET!, repo, branch: 'main' });
    assert.equal(proven.decision, 'allow', 'with its secret, coder is covered without a prompt');
    const claimed = { ...cleanEnv(), SIGNET_AGENT: 'coder' };
    const commitInBackground = async (message: string) => {
      writeFileSync(join(repo, 'file.txt'), `${message}\n`);
      ok(await run('git', ['add', 'file.txt'], repo), 'git add');
      return run('git', ['commit', '-q', '-m', message], repo, claimed);
    };
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const signing = commitInBackground('claimed to be coder');
    const request = await asked;
    assert.deepEqual([request.agent.name, request.cmd, request.args.identity, request.args.branch], ['coder', '/git/commit/sign', 'claimed', 'main']);
    assert.equal(request.summary, `a commit in ${repo} on main (the process did not prove it is coder)`);
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny', signAs: 'user', decidedBy: 'test' });
    const signed = await signing;
    assert.equal(signed.status, 0, signed.stderr);
    const verify = JSON.parse(ok(await signet(['--json', 'git', 'verify', 'HEAD~1..HEAD']), 'verify')) as { commits: { signer: { kind: string }; chain: string; audit: string }[] };
    assert.deepEqual([verify.commits[0]?.signer.kind, verify.commits[0]?.chain, verify.commits[0]?.audit], ['user', 'valid', 'recorded']);

    const askedAsAgent = nextNotification(h.ui, 'approval/didRequest');
    const asAgent = commitInBackground('signed as coder after asking');
    await h.ui.request('approval/decide', { id: (await askedAsAgent).id, decision: 'once', decidedBy: 'test' });
    assert.equal((await asAgent).status, 0, 'Sign as coder: an allow-once for this one commit');
    const once = JSON.parse(ok(await signet(['--json', 'git', 'verify', 'HEAD~1..HEAD']), 'verify')) as { commits: { signer: { name: string; kind: string }; chain: string }[] };
    assert.deepEqual([once.commits[0]?.signer.name, once.commits[0]?.signer.kind, once.commits[0]?.chain], ['coder', 'agent', 'valid']);

    const before = await head();
    const askedAgain = nextNotification(h.ui, 'approval/didRequest');
    const refused = commitInBackground('denied');
    const deniedLater = (await askedAgain).id;
    // A person who takes a few seconds: meanwhile the hook has said what it waits for (after 1.5 s).
    await new Promise((r) => setTimeout(r, 4000));
    await h.ui.request('approval/decide', { id: deniedLater, decision: 'deny', decidedBy: 'test' });
    const done = await refused;
    assert.notEqual(done.status, 0, 'git commit fails when the person denies');
    assert.match(done.stderr, /signet: waiting for a person to approve coder signing this commit in main \(the prompt in VS Code, or `signet approvals`\)\n[\s\S]*denied-by-user/);
    assert.equal(await head(), before, 'nothing was committed');
  });

  test('git setup --undo restores the config, the hook and Claude Code\'s settings that were there before', async () => {
    const other = await newRepo();
    ok(await run('git', ['config', 'gpg.format', 'openpgp'], other), 'gpg.format');
    ok(await run('git', ['config', 'user.signingkey', 'ABCDEF0123456789'], other), 'signingkey');
    const hook = join(other, '.git', 'hooks', 'prepare-commit-msg');
    writeFileSync(hook, '#!/bin/sh\necho "ran the old hook" >> "$(git rev-parse --git-dir)/old-hook.log"\n', { mode: 0o755 });
    const settings = join(other, '.claude', 'settings.local.json');
    mkdirSync(join(other, '.claude'));
    writeFileSync(settings, '{\n  // the developer\'s own\n  "env": { "FOO": "bar" },\n  "model": "x"\n}\n');
    const configBefore = readFileSync(join(other, '.git', 'config'), 'utf8');
    const hookBefore = readFileSync(hook, 'utf8');
    const settingsBefore = readFileSync(settings, 'utf8');
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const setup = signet(['git', 'setup', '--agent', 'coder', '--claude-code', '--repo', other], cleanEnv(), other);
    await h.ui.request('approval/decide', { id: (await asked).id, decision: 'once', decidedBy: 'test' });
    ok(await setup, 'setup');
    assert.match(ok(await run('git', ['config', 'gpg.format'], other), 'format'), /^ssh$/);
    assert.notEqual(readFileSync(hook, 'utf8'), hookBefore);
    const written = readFileSync(settings, 'utf8');
    assert.ok(written.includes(`"SIGNET_AGENT_SECRET": "${agentEnv.SIGNET_AGENT_SECRET}"`) && written.includes('"FOO": "bar"') && written.includes("// the developer's own"), written);

    // The old hook still runs first, and the commit is signed as coder with the secret from the settings.
    writeFileSync(join(other, 'a.txt'), 'a\n');
    ok(await run('git', ['add', 'a.txt'], other), 'add');
    ok(await run('git', ['commit', '-q', '-m', 'in the other repository'], other, agentEnv), 'commit');
    assert.equal(readFileSync(join(other, '.git', 'old-hook.log'), 'utf8'), 'ran the old hook\n');

    ok(await signet(['git', 'setup', '--undo', '--repo', other], cleanEnv(), other), 'undo');
    assert.equal(readFileSync(join(other, '.git', 'config'), 'utf8'), configBefore);
    assert.equal(readFileSync(hook, 'utf8'), hookBefore);
    assert.equal(readFileSync(settings, 'utf8'), settingsBefore);
  });
  test('a normal commit, an --amend and a merge commit are signed, and the record names the tip and parents the daemon read from the repository', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 });
    const start = await head();
    ok(await commit('on the tip'), 'commit');
    const first = await head();
    const atop = await signedRecord(first);
    assert.deepEqual([atop.head, atop.parents, atop.onHead], [start, [start], 'atop-tip']);

    ok(await commit('the same change, amended', agentEnv, ['--amend']), 'commit --amend');
    const amended = await head();
    const amend = await signedRecord(amended);
    assert.deepEqual([amend.head, amend.parents, amend.onHead], [first, [start], 'amends-tip']);

    await gitOk(['checkout', '-q', '-b', 'side']);
    writeFileSync(join(repo, 'side.txt'), 'side\n');
    await gitOk(['add', 'side.txt']);
    await gitOk(['commit', '-q', '-m', 'on side'], agentEnv);
    const sideTip = await head();
    await gitOk(['checkout', '-q', 'main']);
    ok(await commit('on main, beside side'), 'commit on main');
    const mainTip = await head();
    await gitOk(['merge', '--no-ff', '-q', '-m', 'merge side', 'side'], agentEnv);
    const merge = await signedRecord(await head());
    assert.deepEqual([merge.head, merge.parents, merge.onHead], [mainTip, [mainTip, sideTip], 'atop-tip']);
    const allowed = join(repo, '.git', 'allowed_signers');
    ok(await signet(['git', 'allowed-signers', '--output', allowed]), 'allowed-signers');
    await gitOk(['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'HEAD']);
  });

  test('a commit prepared on feature whose HEAD is switched to main before git-sign runs is refused, and so is one prepared detached', async () => {
    await gitOk(['checkout', '-q', '-b', 'feature']);
    const onFeature = await prepare('feature');
    await gitOk(['checkout', '-q', 'main']);
    const switched = await sign(payloadOn(await head(), onFeature));
    assert.deepEqual([switched.decision, switched.decision === 'deny' && switched.code], ['deny', 'branch-mismatch']);
    assert.match(switched.decision === 'deny' ? switched.reason : '', /prepared for a commit on branch feature, but HEAD of .* is now on branch main/);
    const detached = await sign(payloadOn(await head(), await prepare('HEAD')));
    assert.deepEqual([detached.decision, detached.decision === 'deny' && detached.code], ['deny', 'branch-mismatch']);
    const { records } = await h.ui.request('audit/query', {});
    assert.ok(records.some((r) => r.kind === 'authorize.denied' && r.data.code === 'branch-mismatch'), 'the refusal is in the timeline');
  });

  test("a payload whose first parent is not the branch's tip (nor the tip's first parent), or a root commit on a born branch, is refused", async () => {
    const sideTip = await gitOk(['rev-parse', 'side']);
    const elsewhere = await sign(payloadOn(sideTip, await prepare()));
    assert.deepEqual([elsewhere.decision, elsewhere.decision === 'deny' && elsewhere.code], ['deny', 'parent-mismatch']);
    const root = await sign(payloadOn(null, await prepare()));
    assert.deepEqual([root.decision, root.decision === 'deny' && root.code], ['deny', 'parent-mismatch']);
    // git reads parents only right after `tree`: with the tip's line after `committer`, this is a root commit to git.
    const rootPosingAsChild = Buffer.from(
      `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\nparent ${await head()}\n\nsmuggled\n\nSignet-Invocation: ${await prepare()}\n`,
    ).toString('base64');
    const smuggled = await sign(rootPosingAsChild);
    assert.deepEqual([smuggled.decision, smuggled.decision === 'deny' && smuggled.code], ['deny', 'invalid-arguments']);
    assert.match(smuggled.decision === 'deny' ? smuggled.reason : '', /parent` lines must follow `tree` directly/);
    const onTip = await sign(payloadOn(await head(), await prepare()));
    assert.equal(onTip.decision, 'allow', 'the same agent, right and repository sign a payload on the tip');
  });

  test('a HEAD pointed at a tag named like the branch does not pass for the branch', async () => {
    const tip = await head();
    await gitOk(['update-ref', 'refs/tags/main', tip]);
    const cid = await prepare('main');
    await gitOk(['symbolic-ref', 'HEAD', 'refs/tags/main']);
    try {
      const onTag = await sign(payloadOn(tip, cid));
      assert.deepEqual([onTag.decision, onTag.decision === 'deny' && onTag.code], ['deny', 'branch-mismatch']);
      assert.match(onTag.decision === 'deny' ? onTag.reason : '', /is now on branch refs\/tags\/main/);
    } finally {
      await gitOk(['symbolic-ref', 'HEAD', 'refs/heads/main']);
      await gitOk(['update-ref', '-d', 'refs/tags/main']);
    }
  });

  test('a delegation the person revokes while the prepare is still authorizing is revoked at the signing step, not taken as used up by the prepare', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 });
    // The revocation lands inside the prepare's authorize: while its allow is being written to the log, after the
    // chain was found and before the prepare goes on.
    const audit = h.daemon.audit;
    const append = audit.append.bind(audit);
    let revokedMeanwhile: string[] = [];
    audit.append = async (entry) => {
      if (entry.kind === 'authorize.allowed' && entry.data.cmd === '/git/commit/sign' && revokedMeanwhile.length === 0) {
        revokedMeanwhile = entry.data.chain as string[];
        for (const cid of revokedMeanwhile) await h.ui.request('delegation/revoke', { cid });
      }
      return append(entry);
    };
    let cid: string;
    try {
      cid = await prepare();
    } finally {
      audit.append = append;
    }
    assert.equal(revokedMeanwhile.length, 1);
    const late = await sign(payloadOn(await head(), cid));
    assert.deepEqual([late.decision, late.decision === 'deny' && late.code], ['deny', 'chain-revoked']);
    assert.match(late.decision === 'deny' ? late.reason : '', new RegExp(`delegation ${revokedMeanwhile[0]} `));
  });

  test("one agent's flood of prepares pushes out only its own oldest, and another agent's prepared commit still signs", async () => {
    await h.ui.request('agent/create', { name: 'helper' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'helper', cmd: '/git/commit/sign', ttl: 3600 });
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 });
    const helperSecret = (await proofOf('helper')).SIGNET_AGENT_SECRET;
    const helperCid = await prepare('main', 'helper', helperSecret);
    const flood: string[] = [];
    for (let i = 0; i <= MAX_PREPARED_PER_AGENT; i++) flood.push(await prepare());
    const tip = await head();
    const pushedOut = await sign(payloadOn(tip, flood[0]!));
    assert.deepEqual([pushedOut.decision, pushedOut.decision === 'deny' && pushedOut.code], ['deny', 'unknown-invocation']);
    assert.equal((await sign(payloadOn(tip, flood[1]!))).decision, 'allow', "coder's newer prepares are kept");
    assert.equal((await sign(payloadOn(tip, helperCid), 'helper', helperSecret)).decision, 'allow', "helper's prepared commit was not pushed out");
  });

  test('a commit git dated before the person approved signing it still verifies with stock git and the generated allowed_signers', async () => {
    await h.ui.request('agent/create', { name: 'latecomer' });
    const env = { ...cleanEnv(), ...(await proofOf('latecomer')) };
    // git stamps the date when `git commit` starts; the person then takes 90 s to click Sign as latecomer.
    const startedAt = `@${Math.floor(Date.now() / 1000) - 90} +0000`;
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const signing = commit('signed after a slow approval', { ...env, GIT_AUTHOR_DATE: startedAt, GIT_COMMITTER_DATE: startedAt });
    const request = await asked;
    assert.deepEqual([request.agent.name, request.cmd], ['latecomer', '/git/commit/sign'], 'latecomer held no right, so the person is asked');
    await h.ui.request('approval/decide', { id: request.id, decision: 'once', decidedBy: 'test' });
    ok(await signing, 'commit as latecomer');
    const allowed = join(repo, '.git', 'allowed_signers');
    ok(await signet(['git', 'allowed-signers', '--output', allowed]), 'allowed-signers');
    const verified = await run('git', ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'HEAD'], repo);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stderr, /Good "git" signature for latecomer@signet\.local/);
  });
});
