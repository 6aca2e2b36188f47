// MCP 2026-07-28, the stateless revision, through `signet mcp-proxy` as the process a client starts: toward the
// loopback fixtures written from the specification (test/fixtures/mcp/statelessServer.ts), on stdio and with --url.
// The client (test/support/statelessClient.ts) validates every result against the revision's schema, so a refusal
// must be a result the revision accepts (with `resultType`) for the client to read its `isError` at all.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ChildProcessTransport } from '../../daemon/src/mcp/childProcessTransport';
import { startHarness, type Harness } from '../support/daemonHarness';
import { StatelessClient, StatelessError, schemas } from '../support/statelessClient';
import { builtCli } from '../fixtures/mcp/builtCli';
import { clientInfo, everythingServer, repoRoot, textOf } from '../fixtures/mcp/servers';
import { REVISION, startStatelessHttpServer, tools, type StatelessHttpServer } from '../fixtures/mcp/statelessServer';

const statelessStdio = { command: process.execPath, args: ['--import', 'tsx', `${repoRoot}test/fixtures/mcp/statelessServer.ts`, 'stdio'] };

describe('the proxy with a 2026-07-28 client and server', () => {
  let h: Harness;
  let cli: string;
  const opened: StatelessClient[] = [];
  /** The prompts a person was shown for `confirm`. */
  const prompts: string[] = [];

  before(async () => {
    [h, cli] = await Promise.all([startHarness({ listen: true }), builtCli()]);
    await h.ui.request('agent/create', { name: 'modern' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'modern', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']], ttl: 3600 });
    // Anything not delegated is put to a person, who says no; except `confirm`, which they allow once.
    h.ui.onNotification('approval/didRequest', (r) => {
      if (r.tool === 'confirm') prompts.push(r.summary);
      void h.ui.request('approval/decide', { id: r.id, decision: r.tool === 'confirm' ? 'once' : 'deny', decidedBy: 'test' });
    });
  });
  after(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
    await h.close();
  });

  async function throughProxy(...serverArgs: string[]): Promise<StatelessClient> {
    const transport = new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-proxy', '--agent', 'modern', '--server-name', 'modern-fixture', '--workspace', repoRoot, ...serverArgs], cwd: repoRoot });
    const client = new StatelessClient(transport);
    await client.start();
    opened.push(client);
    return client;
  }

  async function direct(): Promise<StatelessClient> {
    const client = new StatelessClient(new ChildProcessTransport({ ...statelessStdio, cwd: repoRoot }));
    await client.start();
    opened.push(client);
    return client;
  }

  async function exercise(proxied: StatelessClient, plain: StatelessClient): Promise<void> {
    const discovered = await proxied.request('server/discover', {}, 'DiscoverResult');
    assert.deepEqual(discovered.supportedVersions, [REVISION]);
    const listed = await proxied.request('tools/list', {}, 'ListToolsResult');
    assert.deepEqual(listed.tools, tools);

    const echoed = await proxied.request('tools/call', { name: 'echo', arguments: { message: 'stateless' } }, 'CallToolResult');
    assert.deepEqual(echoed, await plain.request('tools/call', { name: 'echo', arguments: { message: 'stateless' } }, 'CallToolResult'), 'an approved call answers as the server does directly');

    const refused = await proxied.request('tools/call', { name: 'read_note', arguments: { path: 'README.md' } }, 'CallToolResult');
    assert.equal(refused.isError, true);
    assert.equal(refused.resultType, 'complete');
    assert.match(refused.content[0]?.type === 'text' ? refused.content[0].text : '', /Signet refused this tool call: .*test denied/);

    await assert.rejects(proxied.request('resources/read', { uri: 'note://welcome' }, 'ReadResourceResult'), (e: unknown) => e instanceof StatelessError && e.error.code === 4100 && /Signet refused this resource read/.test(e.error.message));
    await assert.rejects(proxied.request('prompts/get', { name: 'greet', arguments: { name: 'x' } }, 'GetPromptResult'), (e: unknown) => e instanceof StatelessError && /Signet refused this prompt/.test(e.error.message));
  }

  test('on stdio: discovery, the tool list, an approved call equal to direct, and refusals a validating client reads', async () => {
    await exercise(await throughProxy('--', statelessStdio.command, ...statelessStdio.args), await direct());
  });

  describe('with --url to a stateless Streamable HTTP server', () => {
    let http: StatelessHttpServer;
    before(async () => {
      // It also lists tools whose x-mcp-header is invalid, which a client over HTTP must leave out: `exercise` then
      // finds the same list as on stdio only if the proxy did.
      http = await startStatelessHttpServer({ sessionIdOnErrors: true, sse: true, invalidHeaderTools: true });
    });
    after(() => http.close());

    test('the same exchanges work, each POST carrying the headers that agree with its body and no session', async () => {
      const proxied = await throughProxy('--url', http.url.href);
      // A legacy handshake first, as a dual-era client's fallback may send: the server refuses it with a session
      // id on its error answer, which must not be kept for what follows.
      await assert.rejects(proxied.raw('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo }), (e: unknown) => e instanceof StatelessError);
      await exercise(proxied, await direct());
      const looked = await proxied.request('tools/call', { name: 'lookup', arguments: { region: 'eu-west', query: 'q' } }, 'CallToolResult');
      assert.equal(looked.isError, true, 'lookup is not delegated, so it is refused by the person');

      const modernPosts = http.posts.filter((p) => p.body.method !== 'initialize');
      assert.deepEqual(modernPosts.map((p) => p.body.method), ['server/discover', 'tools/list', 'tools/call'], 'only the approved call reached the server');
      for (const post of modernPosts) {
        assert.equal(post.status, 200, `${String(post.body.method)} was accepted by the server's header validation`);
        assert.equal(post.headers['mcp-protocol-version'], REVISION);
        assert.equal(post.headers['mcp-method'], post.body.method);
        assert.equal(post.headers['mcp-session-id'], undefined, 'no session id in a stateless revision');
      }
      const call = modernPosts.find((p) => p.body.method === 'tools/call');
      assert.equal(call?.headers['mcp-name'], 'echo');
      assert.ok((call?.body.params?._meta as Record<string, unknown>)['signet/invocation'], 'the forwarded call carries its invocation');
    });

    test('an answer stream that ends before its response is answered with an error the client can retry on, not left waiting', async () => {
      const proxied = await throughProxy('--url', http.url.href);
      await assert.rejects(
        proxied.request('tools/call', { name: 'echo', arguments: { message: 'break the stream' }, _meta: { progressToken: 'p1' } }, 'CallToolResult'),
        (e: unknown) => e instanceof StatelessError && /ended its answer stream before it answered; send the request again/.test(e.error.message),
      );
      assert.ok(proxied.received.some((m) => 'method' in m && m.method === 'notifications/progress'), 'what the stream did carry was relayed');
      const again = await proxied.request('tools/call', { name: 'echo', arguments: { message: 'again' } }, 'CallToolResult');
      assert.deepEqual(again.content, [{ type: 'text', text: 'Echo: again' }]);
    });

    test('a tool parameter marked x-mcp-header reaches the server as Mcp-Param-*, equal to the forwarded argument', async () => {
      await h.ui.request('delegation/issue', { from: 'user', to: 'modern', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'lookup']], ttl: 3600 });
      const proxied = await throughProxy('--url', http.url.href);
      await proxied.request('tools/list', {}, 'ListToolsResult');
      const looked = await proxied.request('tools/call', { name: 'lookup', arguments: { region: 'Zürich ', query: 'q' } }, 'CallToolResult');
      assert.equal(looked.isError, undefined);
      const post = http.posts.findLast((p) => p.body.params?.name === 'lookup');
      assert.equal(post?.status, 200);
      assert.equal(post?.headers['mcp-param-region'], `=?base64?${Buffer.from('Zürich ').toString('base64')}?=`);
    });
  });

  /** A `confirm` call that the server answers input_required, then its retry with the confirmation, as MRTR has it. */
  async function confirmInTwoRounds(client: StatelessClient, path: string): Promise<string> {
    const asked = schemas.InputRequiredResult.parse(await client.raw('tools/call', { name: 'confirm', arguments: { path }, _meta: StatelessClient.meta() }));
    assert.ok(asked.inputRequests?.confirmation, 'the server asked for a confirmation');
    const retry = { name: 'confirm', arguments: { path }, inputResponses: { confirmation: { action: 'accept', content: {} } }, requestState: asked.requestState };
    const done = await client.request('tools/call', retry, 'CallToolResult');
    return done.content[0]?.type === 'text' ? done.content[0].text : '';
  }

  test('a call the server answers input_required, and its retry with the input, ask the person once, also through the guard', async () => {
    const userDid = (await h.ui.request('daemon/status', {})).user.did;
    const guarded = [process.execPath, cli, '--home', h.home, 'mcp-guard', '--trust', userDid, '--server-name', 'modern-fixture', '--', statelessStdio.command, ...statelessStdio.args];
    for (const [how, server] of [['bare', [statelessStdio.command, ...statelessStdio.args]], ['guarded', guarded]] as const) {
      const before = prompts.length;
      const proxied = await throughProxy('--', ...server);
      assert.equal(await confirmInTwoRounds(proxied, 'a.txt'), `deleted ${repoRoot}a.txt`, how);
      assert.equal(prompts.length - before, 1, `${how}: one call, one prompt`);
      // The round is over: the same call again is a new call, asked about anew.
      assert.equal(await confirmInTwoRounds(proxied, 'a.txt'), `deleted ${repoRoot}a.txt`, how);
      assert.equal(prompts.length - before, 2, `${how}: a new call is asked about again`);
    }
  });

  test('a request that only looks like a retry (other arguments, or no input_required before it) is asked about as a call of its own', async () => {
    const proxied = await throughProxy('--', statelessStdio.command, ...statelessStdio.args);
    const before = prompts.length;
    const asked = schemas.InputRequiredResult.parse(await proxied.raw('tools/call', { name: 'confirm', arguments: { path: 'b.txt' }, _meta: StatelessClient.meta() }));
    const elsewhere = { name: 'confirm', arguments: { path: 'c.txt' }, inputResponses: { confirmation: { action: 'accept', content: {} } }, requestState: asked.requestState };
    await proxied.request('tools/call', elsewhere, 'InputRequiredResult');
    assert.equal(prompts.length - before, 2, 'the retry of b.txt cannot carry a call of c.txt');
  });

  test('with --url to a legacy server, a failed 2026-07-28 probe leaves notifications on the legacy transport', async () => {
    const received: { method: unknown; headers: Record<string, unknown> }[] = [];
    const arrived = new Map<string, () => void>();
    const legacy = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { method?: string };
        received.push({ method: body.method, headers: req.headers });
        // A stateful SDK server, as one of 2025-11-25 is: without a session it refuses all but initialize.
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID });
        void new McpServer({ name: 'legacy', version: '1.0.0' }).connect(transport).then(() => transport.handleRequest(req, res, body));
        if (body.method) arrived.get(body.method)?.();
      });
    });
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = await throughProxy('--url', `http://127.0.0.1:${(legacy.address() as AddressInfo).port}/mcp`);
      await assert.rejects(proxied.raw('server/discover', { _meta: StatelessClient.meta() }), (e: unknown) => e instanceof StatelessError);
      const notified = new Promise<void>((resolve) => arrived.set('notifications/roots/list_changed', resolve));
      await proxied.notify('notifications/roots/list_changed');
      await notified;
      const notification = received.find((r) => r.method === 'notifications/roots/list_changed');
      assert.equal(notification?.headers['mcp-method'], undefined, 'sent by the legacy transport, not as a 2026-07-28 POST');
      assert.notEqual(notification?.headers['mcp-protocol-version'], REVISION);
    } finally {
      legacy.closeAllConnections();
      await new Promise((resolve) => legacy.close(resolve));
    }
  });

  test('the legacy handshake still works through the same proxy after a stateless probe failed (official SDK client)', async () => {
    const server = everythingServer();
    const transport = new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-proxy', '--agent', 'modern', '--', server.command, ...server.args] });
    const probe = new StatelessClient(transport);
    await probe.start();
    await assert.rejects(probe.raw('server/discover', { _meta: StatelessClient.meta() }), (e: unknown) => e instanceof StatelessError);
    // The SDK client takes over the same process, as a dual-era client falls back to initialize on the same pipe.
    const client = new Client(clientInfo);
    (transport as { start: () => Promise<void> }).start = async () => undefined;
    await client.connect(transport);
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'legacy after probe' } });
    assert.match(textOf(echoed), /legacy after probe/);
    const refused = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    assert.equal(refused.isError, true);
    assert.equal('resultType' in refused, false, 'a legacy refusal keeps the legacy shape');
    await client.close();
  });

  test('the schema check itself rejects a tool result without resultType, as a validating client would', () => {
    assert.throws(() => schemas.CallToolResult.parse({ content: [{ type: 'text', text: 'x' }], isError: true }));
  });
});
