// `signet mcp-proxy` as the process an MCP client starts: the bundled CLI on real stdio, a real daemon found
// through daemon.json, real servers behind it (a stdio child, or the everything server over Streamable HTTP).
// The proxy must be indistinguishable from the server it wraps: same exit code, same signals, same stderr.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ChildProcessTransport } from '../../daemon/src/mcp/childProcessTransport';
import { startHarness, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { clientInfo, everythingServer, textOf } from '../fixtures/mcp/servers';

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function collectStderr(child: ChildProcess): { text: () => string; waitFor: (pattern: RegExp) => Promise<void> } {
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(text)) w.resolve();
      else waiters.push(w);
    }
  });
  return {
    text: () => text,
    waitFor: (pattern) => (pattern.test(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pattern, resolve }))),
  };
}

function finished(child: ChildProcess, stderr: () => string): Promise<Finished> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr() })));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('signet mcp-proxy as a process', () => {
  let h: Harness;
  let cli: string;

  before(async () => {
    [h, cli] = await Promise.all([startHarness({ listen: true }), builtCli()]);
    await h.ui.request('agent/create', { name: 'tester' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'tester', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']], ttl: 3600 });
  });
  after(() => h.close());

  function proxyArgs(...rest: string[]): string[] {
    return [cli, '--home', h.home, 'mcp-proxy', '--agent', 'tester', ...rest];
  }

  test('it relays a whole session over stdio and exits 0 when the client closes it', async () => {
    const server = everythingServer();
    const transport = new ChildProcessTransport({ command: process.execPath, args: proxyArgs('--server-name', 'everything', '--', server.command, ...server.args) });
    const client = new Client(clientInfo);
    await client.connect(transport);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'echo'));
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'through the process' } });
    assert.match(textOf(echoed), /through the process/);
    await client.close();
    assert.deepEqual(await transport.exited(), { code: 0, signal: null });
  });

  test('what the server writes reaches the client byte for byte, a 3 MB line and odd formatting included', async () => {
    // A server that answers the first line it reads with a line formatted unlike JSON.stringify, then a large one.
    const script = [
      "const odd = '{ \"jsonrpc\" : \"2.0\", \"id\":1,\"result\":{\"text\":\"caf\\\\u00e9 \\\\/ é\",\"n\":1.50}}\\r\\n';",
      "const big = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'y'.repeat(3000000) } }) + '\\n';",
      "let answered = false;",
      "process.stdin.on('data', () => { if (answered) return; answered = true; process.stdout.write(odd); process.stdout.write(big); });",
    ].join('\n');
    const child = spawn(process.execPath, proxyArgs('--', process.execPath, '-e', script), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const expected = Buffer.from(
      '{ "jsonrpc" : "2.0", "id":1,"result":{"text":"caf\\u00e9 \\/ é","n":1.50}}\r\n' +
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'y'.repeat(3000000) } })}\n`,
    );
    const received: Buffer[] = [];
    let length = 0;
    const all = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        received.push(chunk);
        length += chunk.length;
        if (length >= expected.length) resolve();
      }),
    );
    child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n');
    await all;
    child.stdin.end();
    const end = await finished(child, stderr.text);
    assert.equal(end.code, 0, end.stderr);
    assert.ok(Buffer.concat(received).equals(expected), 'the bytes differ');
  });

  test('it exits with its server\'s exit code and passes the server\'s stderr through', async () => {
    const child = spawn(process.execPath, proxyArgs('--', process.execPath, '-e', "process.stderr.write('server says hi\\n'); process.exit(7)"), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const end = await finished(child, stderr.text);
    assert.equal(end.code, 7);
    assert.match(end.stderr, /server says hi/);
  });

  test('it passes SIGTERM on to its server and exits as the server did', async () => {
    const script = "process.on('SIGTERM', () => { process.stderr.write('server got SIGTERM\\n'); process.exit(42); }); setInterval(() => {}, 1000); process.stderr.write('server ready\\n');";
    const child = spawn(process.execPath, proxyArgs('--', process.execPath, '-e', script), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const end = finished(child, stderr.text);
    await stderr.waitFor(/^server ready$/m);
    child.kill('SIGTERM');
    const result = await end;
    assert.equal(result.code, 42);
    assert.match(result.stderr, /server got SIGTERM/);
  });

  test('a server killed by a signal makes the proxy die of the same signal', async () => {
    const child = spawn(process.execPath, proxyArgs('--', process.execPath, '-e', "setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50)"), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const end = await finished(child, stderr.text);
    assert.equal(end.signal, 'SIGKILL');
  });

  test('a server command that does not exist is reported and the proxy exits 127', async () => {
    const child = spawn(process.execPath, proxyArgs('--', '/nonexistent/mcp-server'), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const end = await finished(child, stderr.text);
    assert.equal(end.code, 127);
    assert.match(end.stderr, /could not start the MCP server "\/nonexistent\/mcp-server"/);
  });

  test('with --url it relays to a Streamable HTTP server and still refuses what is not delegated', async () => {
    const port = await freePort();
    const server = everythingServer();
    const http = spawn(server.command, [server.args[0] ?? '', 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    const httpLog = collectStderr(http);
    try {
      await httpLog.waitFor(/listening on port/);
      const transport = new ChildProcessTransport({ command: process.execPath, args: proxyArgs('--server-name', 'remote', '--url', `http://127.0.0.1:${port}/mcp`) });
      const client = new Client(clientInfo);
      await client.connect(transport);
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'over http' } });
      assert.match(textOf(echoed), /over http/);
      const deny = h.ui.onNotification('approval/didRequest', (r) => void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' }));
      try {
        const refused = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /test denied/);
      } finally {
        deny();
      }
      await client.close();
      assert.equal((await transport.exited()).code, 0);
    } finally {
      http.kill('SIGTERM');
    }
  });
});
