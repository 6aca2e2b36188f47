// An extra check with another real client: the official Python MCP SDK (2.x), which speaks 2026-07-28 and probes
// with server/discover in its "auto" mode, drives `signet mcp-proxy` on stdio and with --url. npm and Debian are
// the only registries this project relies on, so where `python3 -m pip install mcp` has not been run (or found no
// 2.x), the test is skipped with a message instead of failing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { everythingServer, repoRoot } from '../fixtures/mcp/servers';
import { startStatelessHttpServer, type StatelessHttpServer } from '../fixtures/mcp/statelessServer';

const probe = spawnSync('python3', ['-c', 'import mcp.client.client, mcp.types; print(mcp.types.LATEST_PROTOCOL_VERSION)'], { encoding: 'utf8' });
const pythonSdk = probe.status === 0 ? probe.stdout.trim() : undefined;
const skip = pythonSdk === undefined || pythonSdk < '2026-07-28' ? `the Python MCP SDK 2.x is not installed here (python3 -m pip install mcp): ${(probe.stderr || probe.stdout).trim().split('\n').at(-1) ?? ''}` : false;
if (skip) process.stderr.write(`mcpPython.test.ts skipped: ${skip}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface PythonRun {
  version: string | null;
  tools: string[];
  echo: { text: string; isError: boolean };
  refused: { text: string; isError: boolean };
}

/** Runs the Python client on a proxy command; `refuse` names the tool it expects refused, and its arguments. */
function runPython(args: string[], refuse: [tool: string, args: string] = ['read_note', '{"path": "README.md"}']): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [`${repoRoot}test/fixtures/mcp/pythonClient.py`, ...refuse, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as PythonRun) : reject(new Error(`the Python client exited ${code}: ${err.slice(-2000)}`))));
  });
}

describe('the official Python MCP SDK client through signet mcp-proxy', { skip }, () => {
  let h: Harness;
  let cli: string;
  let http: StatelessHttpServer;

  before(async () => {
    [h, cli, http] = await Promise.all([startHarness({ listen: true }), builtCli(), startStatelessHttpServer({ sessionIdOnErrors: true })]);
    await h.ui.request('agent/create', { name: 'py' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'py', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']], ttl: 3600 });
    h.ui.onNotification('approval/didRequest', (r) => void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' }));
  });
  after(async () => {
    await http.close();
    await h.close();
  });

  const proxy = (...server: string[]) => [process.execPath, cli, '--home', h.home, 'mcp-proxy', '--agent', 'py', '--server-name', 'fixture', '--workspace', repoRoot, ...server];

  function assertSession(run: PythonRun): void {
    assert.equal(run.version, '2026-07-28', 'the client settled on the stateless revision');
    assert.deepEqual(run.tools, ['echo', 'read_note', 'lookup', 'confirm']);
    assert.deepEqual(run.echo, { text: 'Echo: from python', isError: false });
    assert.equal(run.refused.isError, true);
    assert.match(run.refused.text, /Signet refused this tool call: .*test denied read_note/);
  }

  test('on stdio, to the stateless stdio fixture', async () => {
    assertSession(await runPython(proxy('--', process.execPath, '--import', 'tsx', `${repoRoot}test/fixtures/mcp/statelessServer.ts`, 'stdio')));
  });

  test('with --url to a legacy server (the everything server), the probe fails, the client falls back to initialize and the session works', async () => {
    const port = await freePort();
    const server = everythingServer();
    const legacy = spawn(server.command, [server.args[0] ?? '', 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((resolve) => legacy.stderr.on('data', (c: Buffer) => /listening on port/.test(c.toString()) && resolve()));
      const run = await runPython(proxy('--url', `http://127.0.0.1:${port}/mcp`), ['get-sum', JSON.stringify({ a: 1, b: 2 })]);
      assert.equal(run.version, '2025-11-25', 'a legacy revision was negotiated');
      assert.deepEqual(run.echo, { text: 'Echo: from python', isError: false });
      assert.equal(run.refused.isError, true);
      assert.match(run.refused.text, /Signet refused this tool call: .*test denied get-sum/);
    } finally {
      legacy.kill('SIGTERM');
    }
  });

  test('with --url, to the stateless HTTP fixture that sets a session id on its error answers', async () => {
    assertSession(await runPython(proxy('--url', http.url.href)));
    assert.ok(http.posts.every((p) => p.headers['mcp-session-id'] === undefined), 'no request carried a session id');
  });
});
