// The `signet` CLI against a real daemon process, as a user would run them: the built bundle, a real
// WebSocket, and the real Secret Service started by test/run.mjs (or the file keystore where noted).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runSignet } from '../support/cliProcess';
import { tempDir } from '../support/daemonHarness';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist/cli.js');
const keychainAvailable = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS && process.env.GNOME_KEYRING_CONTROL);
const requireKeychain = process.env.SIGNET_REQUIRE_KEYCHAIN === '1';

/** The CLI as a user runs it (the shared runner of test/support/cliProcess.ts). */
const signet = runSignet;

async function startDaemonProcess(home: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, '--home', home, 'daemon', ...extra], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  const deadline = Date.now() + 15_000;
  // A daemon killed outright leaves its runtime file behind: wait for the one naming this process.
  const runtimePid = () => {
    try {
      return (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
  };
  while (runtimePid() !== child.pid) {
    if (child.exitCode !== null) throw new Error(`the daemon exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the daemon did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

async function pendingApprovalId(home: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const listed = await signet(home, ['--json', 'approvals']);
    const pending = (JSON.parse(listed.stdout) as { pending: { id: string }[] }).pending;
    if (pending[0]) return pending[0].id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no approval became pending');
}

before(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
});

describe('signet CLI with the OS keychain', { skip: !keychainAvailable && !requireKeychain ? 'no Secret Service in this environment (npm test starts one)' : false }, () => {
  let home: string;
  let daemon: ChildProcess;
  before(async () => {
    assert.ok(keychainAvailable, 'SIGNET_REQUIRE_KEYCHAIN=1 but no Secret Service is running');
    home = tempDir('signet-cli-');
    daemon = await startDaemonProcess(home, ['--approval-timeout', '20']);
  });
  after(async () => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  test('the runtime file is private and names the port, pid and agent token, and status reports the keychain', async () => {
    const mode = statSync(join(home, 'daemon.json')).mode & 0o777;
    assert.equal(mode, 0o600);
    const runtime = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(runtime.pid, daemon.pid);
    assert.equal(typeof runtime.port, 'number');
    assert.equal(typeof runtime.agentToken, 'string');
    assert.equal(JSON.stringify(runtime).includes('uiToken'), false, 'the UI token never lands in daemon.json');
    const status = await signet(home, ['--json', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).keystore, 'keychain');
    // The bundled CLI finds the libsodium binding in node_modules, as an installed extension does beside its dist/.
    assert.equal(JSON.parse(status.stdout).ed25519, 'libsodium');
    assert.equal(readdirSync(home).includes('keys'), false, 'no key files are written with the keychain');
  });

  test('delegate, authorize, approve, deny and verify work end to end with documented exit codes', async () => {
    assert.equal((await signet(home, ['agent', 'create', 'coder'])).code, 0);
    const delegated = await signet(home, ['delegate', '--from', 'user', '--to', 'coder', '--cmd', '/fs/read', '--ttl', '1h']);
    assert.equal(delegated.code, 0, delegated.stderr);
    assert.match(delegated.stdout.trim(), /^bafy[a-z2-7]+$/);

    const allowed = await signet(home, ['--json', 'authorize', '--agent', 'coder', '--cmd', '/fs/read', '--args', '{"path":"a.txt"}']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const allow = JSON.parse(allowed.stdout) as { invocation: string; proofs: string[] };
    // A relative --workspace means the folder the command runs in, not the daemon's.
    const relative = await signet(home, ['--json', 'authorize', '--agent', 'coder', '--cmd', '/fs/read', '--args', '{"path":"a.txt"}', '--workspace', 'some/dir']);
    assert.equal(relative.code, 0, relative.stderr);
    assert.equal((JSON.parse(relative.stdout) as { args: { path: string } }).args.path, join(realpathSync(process.cwd()), 'some/dir/a.txt'));
    const verified = await signet(home, ['--json', 'verify', '--invocation', allow.invocation, '--proofs', allow.proofs.join(',')]);
    assert.equal(verified.code, 0, verified.stdout);
    const later = await signet(home, ['verify', '--invocation', allow.invocation, '--proofs', allow.proofs.join(','), '--now', String(Math.floor(Date.now() / 1000) + 7200)]);
    assert.equal(later.code, 6);
    assert.match(later.stdout, /Expired/);

    const asking = signet(home, ['authorize', '--agent', 'coder', '--cmd', '/fs/write', '--args', '{"path":"b.txt"}']);
    const approve = await signet(home, ['approve', await pendingApprovalId(home), '--once']);
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal((await asking).code, 0);

    const refused = signet(home, ['authorize', '--agent', 'coder', '--cmd', '/fs/write', '--args', '{"path":"c.txt"}']);
    assert.equal((await signet(home, ['deny', await pendingApprovalId(home)])).code, 0);
    const denied = await refused;
    assert.equal(denied.code, 3);
    assert.match(denied.stdout, /denied/);

    const tail = await signet(home, ['--json', 'audit', 'tail', '--agent', 'coder', '--limit', '50']);
    const kinds = tail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    for (const kind of ['identity.created', 'delegation.issued', 'authorize.allowed', 'approval.requested', 'approval.decided', 'authorize.denied']) assert.ok(kinds.includes(kind), `audit tail shows ${kind}`);
  });

  test('a second daemon for the same home is refused', async () => {
    const second = await signet(home, ['daemon']);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /already running/);
  });

  test('errors are clear: an unknown agent, bad JSON, and a usage mistake', async () => {
    const unknown = await signet(home, ['delegate', '--from', 'user', '--to', 'nobody', '--cmd', '/x']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no agent named "nobody"/);
    const badJson = await signet(home, ['authorize', '--agent', 'coder', '--cmd', '/x', '--args', '{oops']);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /not valid JSON/);
    assert.equal((await signet(home, ['approve'])).code, 2);
  });

  test('a daemon killed with a pending approval denies and audits it on the next start, with the same identity', async () => {
    const before = JSON.parse((await signet(home, ['--json', 'status'])).stdout).user.did as string;
    const asking = signet(home, ['authorize', '--agent', 'coder', '--cmd', '/deploy', '--args', '{}']);
    const id = await pendingApprovalId(home);
    daemon.kill('SIGKILL');
    await stopped(daemon);
    assert.notEqual((await asking).code, 0, 'the waiting agent is not allowed');
    daemon = await startDaemonProcess(home);
    const status = JSON.parse((await signet(home, ['--json', 'status'])).stdout) as { user: { did: string } };
    assert.equal(status.user.did, before, 'the restarted daemon reads the same user key from the keychain');
    const tail = await signet(home, ['--json', 'audit', 'tail', '--limit', '200']);
    const records = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
    assert.ok(records.some((r) => r.kind === 'approval.decided' && r.data.approvalId === id && r.data.decision === 'deny'));
  });

  test('SIGTERM shuts the daemon down cleanly and removes its runtime file', async () => {
    daemon.kill('SIGTERM');
    assert.equal(await stopped(daemon), 0);
    assert.equal(existsSync(join(home, 'daemon.json')), false);
    const status = await signet(home, ['status']);
    assert.equal(status.code, 4);
    assert.match(status.stderr, /no Signet daemon is running/);
  });
});

describe('signet audit with the OS keychain', { skip: !keychainAvailable && !requireKeychain ? 'no Secret Service in this environment (npm test starts one)' : false }, () => {
  test('verify passes on an untouched log, and an edited record is reported with its sequence number and exit 6', async () => {
    const home = tempDir('signet-audit-cli-');
    const daemon = await startDaemonProcess(home);
    try {
      assert.equal((await signet(home, ['agent', 'create', 'bot'])).code, 0);
      assert.equal((await signet(home, ['delegate', '--from', 'user', '--to', 'bot', '--cmd', '/x'])).code, 0);
      const saved = await signet(home, ['audit', 'checkpoint']);
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, /^signet\.local\//);
      const inclusion = await signet(home, ['audit', 'prove', '--seq', '1']);
      assert.equal(inclusion.code, 0, inclusion.stderr);
      assert.ok(Array.isArray(JSON.parse(inclusion.stdout).proof));
    } finally {
      daemon.kill('SIGTERM');
      await stopped(daemon);
    }
    const clean = await signet(home, ['--json', 'audit', 'verify']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.equal(JSON.parse(clean.stdout).ok, true);

    const logPath = join(home, 'audit', 'audit.log');
    const lines = readFileSync(logPath, 'utf8').split('\n');
    const victim = lines.findIndex((l) => l.includes('"delegation.issued"'));
    assert.ok(victim >= 0);
    lines[victim] = (lines[victim] ?? '').replace('"/x"', '"/y"');
    writeFileSync(logPath, lines.join('\n'));
    const tampered = await signet(home, ['--json', 'audit', 'verify']);
    assert.equal(tampered.code, 6);
    const problems = JSON.parse(tampered.stdout).problems as { seq: number | null; kind: string }[];
    const seq = (JSON.parse(lines[victim] ?? '{}') as { seq: number }).seq;
    assert.ok(problems.some((p) => p.seq === seq && p.kind === 'edited'), `the edit of #${seq} is named: ${JSON.stringify(problems)}`);

    const exported = await signet(home, ['audit', 'export', '--format', 'jsonl']);
    assert.equal(exported.code, 0);
    assert.equal(exported.stdout.trim().split('\n').length, lines.filter(Boolean).length);
  });
});

describe('signet CLI without a keychain', () => {
  test('with no session bus the daemon refuses to start, names the cause and the fix, and creates no identity', async () => {
    const home = tempDir('signet-nokeychain-');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    const run = await signet(home, ['daemon'], env);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /keystore file|--keystore file/);
    assert.equal(existsSync(join(home, 'identities.json')), false, 'no identity was created in place of the unreadable one');
  });

  test('the file keystore is an explicit, saved opt-in with a warning at every start and 0600 key files', async () => {
    const home = tempDir('signet-filekeys-');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    const first = await startDaemonProcess(home, ['--keystore', 'file'], env);
    assert.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).keystore, 'file');
    assert.equal((await signet(home, ['agent', 'create', 'bot'], env)).code, 0);
    for (const file of readdirSync(join(home, 'keys'))) assert.equal(statSync(join(home, 'keys', file)).mode & 0o077, 0, `${file} is private`);
    first.kill('SIGTERM');
    await stopped(first);
    const second = spawn(process.execPath, [cli, '--home', home, 'daemon'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let secondErr = '';
    second.stderr?.on('data', (c: Buffer) => (secondErr += c));
    while (!existsSync(join(home, 'daemon.json'))) await new Promise((r) => setTimeout(r, 50));
    assert.match(secondErr, /plain files/, 'the saved opt-in is warned about again at the next start');
    second.kill('SIGTERM');
    await stopped(second);
  });
});
