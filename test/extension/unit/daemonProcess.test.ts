// The extension's way of finding and starting the daemon, against the real bundled CLI: two windows that
// start at the same moment must end up with one daemon between them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../../daemon/src/cli/exitCode';
import { DaemonClient } from '../../../daemon/src/client/daemonClient';
import { DaemonConnection, backoffDelay, type ConnectionState } from '../../../extension/src/daemon/daemonConnection';
import { ensureDaemon, startLockPath } from '../../../extension/src/daemon/daemonProcess';

const root = join(import.meta.dirname, '..', '..', '..');
const cliPath = join(root, 'dist', 'cli.js');
const homes: string[] = [];

function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'signet-ext-'));
  homes.push(home);
  return home;
}

function stopDaemon(home: string): void {
  try {
    process.kill((JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number }).pid, 'SIGTERM');
  } catch {
    /* none ran */
  }
}

after(async () => {
  for (const home of homes) stopDaemon(home);
  await new Promise((r) => setTimeout(r, 300));
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** Runs ensureDaemon in a separate process, as a second editor window would. */
function ensureInAnotherProcess(home: string): Promise<{ pid: number; started: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ensureDaemonChild.ts'), home, cliPath], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { pid: number; started: boolean }) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

test('two windows starting at once end up sharing one daemon', { skip: !existsSync(cliPath) && 'run npm run build first' }, async () => {
  const home = freshHome();
  const [a, b, c] = await Promise.all([ensureInAnotherProcess(home), ensureInAnotherProcess(home), ensureDaemon({ home, cliPath, keystore: 'file' })]);
  assert.equal(a.pid, b.pid);
  assert.equal(a.pid, c.runtime.pid);
  assert.equal([a.started, b.started, c.started].filter(Boolean).length, 1, 'exactly one of them started the daemon');
  assert.equal(existsSync(startLockPath(home)), false, 'the start lock is released');
});

test('a daemon that cannot start is reported with its own words', { skip: !existsSync(cliPath) && 'run npm run build first' }, async () => {
  const home = freshHome();
  // No keychain here on purpose: no D-Bus session bus, and the keychain keystore.
  const env = { ...process.env };
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  try {
    await assert.rejects(ensureDaemon({ home, cliPath, keystore: 'keychain', timeoutMs: 20_000 }), (error: Error & { daemonOutput?: string }) => {
      assert.match(error.message, /stopped while starting/);
      assert.match(error.daemonOutput ?? '', /keystore file/, 'the daemon names the way out');
      assert.equal((error as Error & { exitCode?: number | null }).exitCode, ExitCode.KeystoreUnavailable, 'the exit code says it was the keystore');
      return true;
    });
  } finally {
    process.env.DBUS_SESSION_BUS_ADDRESS = env.DBUS_SESSION_BUS_ADDRESS;
    if (env.DBUS_SESSION_BUS_ADDRESS === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  }
});

test('a daemon that stops for want of a keychain puts the connection in keystore-unavailable, told by its exit code', { skip: !existsSync(cliPath) && 'run npm run build first' }, async () => {
  const home = freshHome();
  const env = { ...process.env };
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const connection = new DaemonConnection(() => ({ home, cliPath, runtime: process.execPath, keystore: 'keychain' }), log);
  try {
    const settled = new Promise<ConnectionState>((resolve) => {
      connection.onDidChangeState((state) => {
        if (state.kind === 'keystore-unavailable' || state.kind === 'disconnected') resolve(state);
      });
    });
    void connection.start();
    const state = await settled;
    assert.equal(state.kind, 'keystore-unavailable', JSON.stringify(state));
    assert.match(state.kind === 'keystore-unavailable' ? state.fix : '', /keystore file/);
  } finally {
    connection.dispose();
    process.env.DBUS_SESSION_BUS_ADDRESS = env.DBUS_SESSION_BUS_ADDRESS;
    if (env.DBUS_SESSION_BUS_ADDRESS === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  }
});

test('the connection reconnects by itself, to a new daemon, after the daemon was killed', { skip: !existsSync(cliPath) && 'run npm run build first' }, async () => {
  const home = freshHome();
  const states: ConnectionState['kind'][] = [];
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const connection = new DaemonConnection(() => ({ home, cliPath, runtime: process.execPath, keystore: 'file' }), log);
  connection.onDidChangeState((s) => states.push(s.kind));
  try {
    await connection.whenConnected(30_000);
    const first = connection.state.kind === 'connected' ? connection.state.status.pid : -1;
    assert.ok(first > 0);
    const reconnected = new Promise<number>((resolve) => {
      const sub = connection.onDidConnect(() => {
        sub.dispose();
        resolve(connection.state.kind === 'connected' ? connection.state.status.pid : -1);
      });
    });
    process.kill(first, 'SIGKILL');
    const second = await reconnected;
    assert.notEqual(second, first);
    assert.ok(states.includes('disconnected'), `states seen: ${states.join(', ')}`);
    const agent = await DaemonClient.connect({ port: (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { port: number }).port, token: (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { agentToken: string }).agentToken });
    assert.equal((await agent.request('daemon/status', {})).pid, second);
    agent.close();
  } finally {
    connection.dispose();
  }
});

test('the backoff doubles from half a second to thirty, with jitter', () => {
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4, 7, 20].map((n) => backoffDelay(n, mid)), [500, 1000, 2000, 4000, 30_000, 30_000]);
  assert.equal(backoffDelay(1, () => 0), 400);
  assert.equal(backoffDelay(1, () => 1), 600);
});
