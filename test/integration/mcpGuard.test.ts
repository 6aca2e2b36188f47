// The bypass, tested with the official MCP SDK and real servers: an agent that talks to a guarded server without
// the proxy is refused, a replayed invocation is refused, a valid invocation with changed arguments is refused,
// and a call through `signet mcp-proxy` passes, over Streamable HTTP (`mcp-guard --url`) and over stdio. Then the
// SDK middleware inside a tool author's own McpServer: the handler sees the agent's DID and chain.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { ChildProcessTransport } from '../../daemon/src/mcp/childProcessTransport';
import { startMcpProxy } from '../../daemon/src/mcp/runProxy';
import { protectMcpServer, signetCaller, type VerifiedCaller } from '../../daemon/src/sdk/index';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';
import { startHarness, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { clientInfo, everythingServer, recordingServer, textOf } from '../fixtures/mcp/servers';

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function waitForStderr(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let text = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${pattern}: ${text}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

type Allowed = Extract<AuthorizeResult, { decision: 'allow' }>;

function metaOf(allowed: Allowed) {
  return { 'signet/invocation': { invocation: allowed.invocation, proofs: allowed.proofs, chain: allowed.chain } };
}

describe('signet mcp-guard and the SDK middleware against the real MCP SDK', () => {
  let h: Harness;
  let cli: string;
  let userDid: string;
  let testerDid: string;

  before(async () => {
    [h, cli] = await Promise.all([startHarness({ listen: true }), builtCli()]);
    testerDid = (await h.ui.request('agent/create', { name: 'tester' })).did;
    await h.ui.request('delegation/issue', { from: 'user', to: 'tester', cmd: '/mcp/tools/call', pol: [], ttl: 3600 });
    userDid = (await h.ui.request('daemon/status', {})).user.did;
  });
  after(() => h.close());

  /** An invocation the daemon signs for tester, as the proxy would ask for it: the "captured" token of an attack. */
  async function signedCall(server: string, tool: string, args: Record<string, unknown>): Promise<Allowed> {
    const answer = await h.agent.request('authz/authorize', { agent: 'tester', cmd: '/mcp/tools/call', args: { server, tool, arguments: args } });
    assert.equal(answer.decision, 'allow', answer.decision === 'deny' ? answer.reason : '');
    return answer as Allowed;
  }

  describe('over Streamable HTTP (--url)', () => {
    let upstream: ChildProcess;
    let guard: ChildProcess;
    let guardUrl: string;

    before(async () => {
      const port = await freePort();
      const server = everythingServer();
      upstream = spawn(server.command, [server.args[0] ?? '', 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForStderr(upstream, /listening on port/);
      guard = spawn(process.execPath, [cli, '--home', h.home, 'mcp-guard', '--trust', userDid, '--server-name', 'remote', '--url', `http://127.0.0.1:${port}/mcp`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      guardUrl = (await waitForStderr(guard, /listening on (http:\S+),/))[1]!;
    });
    after(async () => {
      await stopped(guard);
      await stopped(upstream);
    });

    async function direct(): Promise<Client> {
      const client = new Client(clientInfo);
      await client.connect(new StreamableHTTPClientTransport(new URL(guardUrl)));
      return client;
    }

    test('an agent that connects to the guarded server directly can list tools but every call is refused with the reason', async () => {
      const client = await direct();
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'echo'), 'what needs no right passes through');
        await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'sneaky' } }), /Signet guard refused this tool call: MissingInvocation/);
      } finally {
        await client.close();
      }
    });

    test('a captured invocation passes once, is refused when replayed, and is refused with changed arguments', async () => {
      const allowed = await signedCall('remote', 'echo', { message: 'once' });
      const changed = await signedCall('remote', 'echo', { message: 'as approved' });
      const client = await direct();
      try {
        const first = await client.callTool({ name: 'echo', arguments: { message: 'once' }, _meta: metaOf(allowed) });
        assert.match(textOf(first), /once/);
        await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'once' }, _meta: metaOf(allowed) }), /Replayed/);
        await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'rm -rf /' }, _meta: metaOf(changed) }), /ArgumentMismatch/);
        await assert.rejects(client.callTool({ name: 'get-sum', arguments: { message: 'as approved' }, _meta: metaOf(changed) }), /ArgumentMismatch/);
      } finally {
        await client.close();
      }
    });

    test('a call made through signet mcp-proxy passes the guard', async () => {
      const proxy = new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-proxy', '--agent', 'tester', '--server-name', 'remote', '--url', guardUrl] });
      const client = new Client(clientInfo);
      await client.connect(proxy);
      try {
        for (const message of ['first', 'second']) {
          const echoed = await client.callTool({ name: 'echo', arguments: { message } });
          assert.equal(echoed.isError, undefined, textOf(echoed));
          assert.match(textOf(echoed), new RegExp(message));
        }
      } finally {
        await client.close();
      }
    });
  });

  describe('over stdio', () => {
    function guardArgs(): string[] {
      const server = everythingServer();
      return [cli, '--home', h.home, 'mcp-guard', '--trust', userDid, '--server-name', 'everything', '--', server.command, ...server.args];
    }

    test('a client that starts the guarded server without the proxy is refused, and one through the proxy passes', async () => {
      const bare = new Client(clientInfo);
      const bareTransport = new ChildProcessTransport({ command: process.execPath, args: guardArgs() });
      await bare.connect(bareTransport);
      await assert.rejects(bare.callTool({ name: 'echo', arguments: { message: 'direct' } }), /MissingInvocation/);
      await bare.close();
      assert.equal((await bareTransport.exited()).code, 0, 'the guard exits as its server does');

      const proxied = new Client(clientInfo);
      await proxied.connect(new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-proxy', '--agent', 'tester', '--server-name', 'everything', '--', process.execPath, ...guardArgs()] }));
      try {
        const echoed = await proxied.callTool({ name: 'echo', arguments: { message: 'bracketed' } });
        assert.match(textOf(echoed), /bracketed/);
      } finally {
        await proxied.close();
      }
    });
  });

  test('over stdio, a tools/call sent as a notification is dropped by the guard, even with a valid invocation, and the server never sees it', async () => {
    const server = recordingServer(userDid);
    const transport = new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-guard', '--trust', userDid, '--server-name', 'rec', '--', server.command, ...server.args], env: { ...process.env, ...server.env } });
    const client = new Client(clientInfo);
    await client.connect(transport);
    try {
      const allowed = await signedCall('rec', 'note', { text: 'unasked' });
      await transport.send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'note', arguments: { text: 'unasked' }, _meta: metaOf(allowed) } });
      // A notification that did reach the server is recorded before this later call of a tool that lists them.
      await transport.send({ jsonrpc: '2.0', method: 'notifications/unknown' });
      const received = await client.callTool({ name: 'received', arguments: {}, _meta: metaOf(await signedCall('rec', 'received', {})) });
      assert.deepEqual(JSON.parse(textOf(received)), [{ tool: 'notification notifications/unknown' }, { tool: 'received' }]);
    } finally {
      await client.close();
    }
  });

  describe("protectMcpServer in a tool author's own server", () => {
    let seen: Array<VerifiedCaller | undefined>;
    let http: Server;
    let url: string;

    function notesServer(): McpServer {
      const server = new McpServer({ name: 'notes', version: '1.0.0' });
      protectMcpServer(server, { trust: userDid, serverName: 'notes' });
      server.registerTool('add_note', { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
        seen.push(signetCaller(extra));
        return { content: [{ type: 'text', text: `noted: ${text}` }] };
      });
      return server;
    }

    before(async () => {
      seen = [];
      const transports = new Map<string, StreamableHTTPServerTransport>();
      http = createHttpServer((req, res) => {
        const session = req.headers['mcp-session-id'];
        let transport = typeof session === 'string' ? transports.get(session) : undefined;
        if (!transport) {
          transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void transports.set(id, transport!) });
          void notesServer().connect(transport);
        }
        void transport.handleRequest(req, res);
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    });
    after(() => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }));

    test('a direct call never reaches the handler; a proxied one does, and the handler sees the agent, the user and the chain', async () => {
      const bare = new Client(clientInfo);
      await bare.connect(new StreamableHTTPClientTransport(new URL(url)));
      await assert.rejects(bare.callTool({ name: 'add_note', arguments: { text: 'unsigned' } }), /MissingInvocation/);
      await bare.close();
      assert.equal(seen.length, 0);

      const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
      const proxy = await startMcpProxy({ home: h.home, agent: 'tester', serverName: 'notes', workspace: h.workspace, url }, proxySide);
      const client = new Client(clientInfo);
      await client.connect(clientSide);
      try {
        const result = await client.callTool({ name: 'add_note', arguments: { text: 'signed' } });
        assert.equal(textOf(result), 'noted: signed');
      } finally {
        await client.close();
        await proxy.finished;
      }
      assert.equal(seen.length, 1);
      const caller = seen[0];
      assert.equal(caller?.agent, testerDid);
      assert.equal(caller?.user, userDid);
      assert.equal(caller?.chain.length, 1);
      const delegations = await h.ui.request('delegation/list', {});
      assert.ok(JSON.stringify(delegations).includes(caller!.chain[0]!), 'the chain names the delegation the user issued');
    });

    test('the handler cannot be fooled by a client that writes its own caller into _meta', async () => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await notesServer().connect(serverSide);
      const client = new Client(clientInfo);
      await client.connect(clientSide);
      const allowed = await signedCall('notes', 'add_note', { text: 'mine' });
      seen = [];
      await client.callTool({ name: 'add_note', arguments: { text: 'mine' }, _meta: { ...metaOf(allowed), agent: 'did:key:z6MkFake' } });
      await assert.rejects(client.callTool({ name: 'add_note', arguments: { text: 'mine' }, _meta: { agent: testerDid } }), /MissingInvocation/);
      await client.close();
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.agent, testerDid);
    });
  });
});
