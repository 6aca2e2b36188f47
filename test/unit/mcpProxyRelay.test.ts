// The relay logic of McpProxy on its own: in-memory transports on both sides and a scripted decision function,
// so each rule is checked message by message. The real servers, client and daemon are in the integration tests.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { INVOCATION_META_KEY, type GateRequest } from '../../daemon/src/mcp/gatedRequests';
import { McpProxy } from '../../daemon/src/mcp/mcpProxy';
import { StdioLineTransport } from '../../daemon/src/mcp/stdioLineTransport';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';

/** The daemon's answer allowing `request`, with its arguments as the daemon would sign them. */
const allow = (request: GateRequest): AuthorizeResult => ({ decision: 'allow', invocation: 'SU5W', invocationCid: 'bafyinv', chain: ['bafy1'], proofs: ['UFJG'], args: request.args });

async function relay(decide: (request: GateRequest) => Promise<AuthorizeResult>) {
  const [client, clientSide] = InMemoryTransport.createLinkedPair();
  const [serverSide, server] = InMemoryTransport.createLinkedPair();
  const toClient: JSONRPCMessage[] = [];
  const toServer: JSONRPCMessage[] = [];
  client.onmessage = (m) => void toClient.push(m);
  server.onmessage = (m) => void toServer.push(m);
  const proxy = new McpProxy({ client: clientSide, server: serverSide, serverName: 's', authorize: decide });
  await proxy.start();
  await Promise.all([client.start(), server.start()]);
  return { client, server, toClient, toServer, proxy };
}

const settle = () => new Promise((r) => setImmediate(r));

test('a notification named like a gated request never reaches the server', async () => {
  const r = await relay(async (request) => allow(request));
  await r.client.send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'rm', arguments: {} } });
  await r.client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await settle();
  assert.deepEqual(r.toServer.map((m) => ('method' in m ? m.method : '')), ['notifications/initialized']);
});

test('a second request reusing the id of one still waiting is dropped, and the first is answered once', async () => {
  let release: (v: AuthorizeResult) => void = () => undefined;
  const r = await relay(() => new Promise((resolve) => (release = resolve)));
  await r.client.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'a' } });
  await r.client.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'b' } });
  release({ decision: 'deny', code: 'denied-by-user', reason: 'no' });
  await settle();
  assert.equal(r.toClient.length, 1);
  assert.deepEqual(r.toServer, []);
  assert.equal(r.proxy.waitingCalls, 0);
});

test('a refused resource read is a JSON-RPC error to the client and nothing to the server', async () => {
  const r = await relay(async () => ({ decision: 'deny', code: 'disconnected', reason: 'the daemon is away' }));
  await r.client.send({ jsonrpc: '2.0', id: 'r1', method: 'resources/read', params: { uri: 'file:///etc/passwd' } });
  await settle();
  assert.deepEqual(r.toServer, []);
  const [answer] = r.toClient as unknown as [{ id: string; error: { message: string } }];
  assert.equal(answer.id, 'r1');
  assert.match(answer.error.message, /resource read: the daemon is away/);
});

test('a decision function that throws is a denial, never a forwarded call', async () => {
  const r = await relay(async () => {
    throw new Error('boom');
  });
  await r.client.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } });
  await settle();
  assert.deepEqual(r.toServer, []);
  assert.equal((r.toClient[0] as unknown as { result: { isError: boolean } }).result.isError, true);
});

test('messages in both directions that need no decision pass unchanged', async () => {
  const r = await relay(async (request) => allow(request));
  const list: JSONRPCMessage = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'c', _meta: { x: 1 } } };
  const sampling: JSONRPCMessage = { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } };
  await r.client.send(list);
  await r.server.send(sampling);
  await settle();
  assert.deepEqual(r.toServer, [list]);
  assert.deepEqual(r.toClient, [sampling]);
});

// The same relay between two line transports, as in production (stdio toward the client, a child's stdio toward
// the server): here over in-process streams, so each side's bytes can be written and read exactly.
async function lineRelay(decide: (request: GateRequest) => Promise<AuthorizeResult>) {
  const fromClient = new PassThrough();
  const toClient = new PassThrough();
  const fromServer = new PassThrough();
  const toServer = new PassThrough();
  const clientBytes: Buffer[] = [];
  const serverBytes: Buffer[] = [];
  toClient.on('data', (chunk: Buffer) => clientBytes.push(chunk));
  toServer.on('data', (chunk: Buffer) => serverBytes.push(chunk));
  const logged: string[] = [];
  const proxy = new McpProxy({
    client: new StdioLineTransport(fromClient, toClient),
    server: new StdioLineTransport(fromServer, toServer),
    serverName: 's',
    authorize: (request) => decide(request),
    log: (line) => logged.push(line),
  });
  await proxy.start();
  return {
    proxy,
    logged,
    client: (text: string | Buffer) => fromClient.write(text),
    server: (text: string | Buffer) => fromServer.write(text),
    atClient: () => Buffer.concat(clientBytes).toString('utf8'),
    atServer: () => Buffer.concat(serverBytes).toString('utf8'),
    atClientBytes: () => Buffer.concat(clientBytes),
  };
}

test('between line transports, what the server writes reaches the client byte for byte, however it is formatted or cut', async () => {
  const r = await lineRelay(async (request) => allow(request));
  const odd = '{ "jsonrpc" : "2.0", "id":1,"result":{"text":"caf\\u00e9 \\/ é","n":1.50}}\r\n';
  const notification = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}\n';
  const big = `${JSON.stringify({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'x'.repeat(5 * 1024 * 1024) }] } })}\n`;
  r.server(odd + notification.slice(0, 20));
  r.server(notification.slice(20));
  for (let i = 0; i < big.length; i += 65536) r.server(big.slice(i, i + 65536));
  await settle();
  assert.ok(r.atClientBytes().equals(Buffer.from(odd + notification + big)));
});

test('between line transports, a request the proxy does not gate reaches the server as the proxy read it', async () => {
  const r = await lineRelay(async (request) => allow(request));
  const list = '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"c"}}';
  // Read by JavaScript (and so by the proxy) as tools/list; a server whose parser keeps the first key would read
  // it as tools/call. The server is handed one method, the one the proxy judged.
  const twoMethods = '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"rm"},"method":"tools/list"}';
  r.client(`${list}\n${twoMethods}\r\n`);
  await settle();
  assert.equal(r.atServer(), `${list}\n{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"name":"rm"}}\n`);
});

test('between line transports, a gated request is asked about first and reaches the server with its invocation', async () => {
  const asked: GateRequest[] = [];
  const r = await lineRelay(async (request) => {
    asked.push(request);
    return allow(request);
  });
  r.client('{"jsonrpc":"2.0","id":9,"method":"tools/list","method":"tools/call","params":{"name":"rm","arguments":{"path":"/"}}}\n');
  await settle();
  assert.deepEqual(asked, [{ cmd: '/mcp/tools/call', args: { server: 's', tool: 'rm', arguments: { path: '/' } } }]);
  assert.deepEqual(JSON.parse(r.atServer()), {
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'rm', arguments: { path: '/' }, _meta: { [INVOCATION_META_KEY]: { invocation: 'SU5W', proofs: ['UFJG'], chain: ['bafy1'] } } },
  });
});

test('between line transports, a line that is not one JSON-RPC message never reaches the server, and the session goes on', async () => {
  const r = await lineRelay(async (request) => allow(request));
  r.client('[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm"}}]\n');
  r.client('{"jsonrpc":"2.0","id":2,"method":"tools/call"\n');
  r.client('{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
  await settle();
  assert.equal(r.atServer(), '{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
  assert.equal(r.logged.filter((line) => /dropped a line from the MCP client/.test(line)).length, 2);
});

test('between line transports, a request that is not a valid message but has an id is answered with the reason, never passed on', async () => {
  const r = await lineRelay(async (request) => allow(request));
  r.client('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"rm"},"admin":true}\n');
  r.client(`{"jsonrpc":"2.0","id":"six","method":"tools/list","params":{"v":${'['.repeat(1000)}1${']'.repeat(1000)}}}\n`);
  await settle();
  assert.equal(r.atServer(), '');
  const answers = r.atClient().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: unknown; error: { code: number; message: string } });
  assert.deepEqual(answers.map((a) => [a.id, a.error.code]), [[5, -32600], ['six', -32600]]);
  assert.match(answers[0]!.error.message, /a request has keys other than jsonrpc, id, method and params/);
  assert.match(answers[1]!.error.message, /nests more than 512 levels deep/);
});

test('between line transports, a client line nested past any stack is dropped with the reason, and the session goes on', async () => {
  const r = await lineRelay(async (request) => allow(request));
  const depth = 200_000;
  r.client(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"v":${'['.repeat(depth)}1${']'.repeat(depth)}}}\n`);
  r.client('{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
  await settle();
  assert.equal(r.atServer(), '{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
  assert.equal(r.logged.filter((line) => /dropped a line from the MCP client.*nests more than 512 levels deep/.test(line)).length, 1);
});

test('between line transports, a refusal is written to the client as one whole line among the server\'s', async () => {
  const r = await lineRelay(async () => ({ decision: 'deny', code: 'denied-by-user', reason: 'no' }));
  r.server('{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"a"}}\n{"jsonrpc":"2.0","method":"notif');
  r.client('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"rm"}}\n');
  await settle();
  r.server('ications/message","params":{"level":"info","data":"b"}}\n');
  await settle();
  const lines = r.atClient().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id?: number; params?: { data: string } });
  assert.deepEqual(lines.map((m) => m.id ?? m.params?.data), ['a', 4, 'b']);
  assert.equal(r.atServer(), '');
});

test('between line transports, the input schemas of a tools/list answer go with later calls of those tools, and the answer passes byte for byte', async () => {
  const asked: GateRequest[] = [];
  const r = await lineRelay(async (request) => {
    asked.push(request);
    return allow(request);
  });
  const schema = { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } };
  r.client('{"jsonrpc":"2.0","id":"list-1","method":"tools/list"}\n');
  await settle();
  const answer = `{"jsonrpc":"2.0","id":"list-1","result":{"tools":[{"name":"write_file","inputSchema":${JSON.stringify(schema)}}]}}\n`;
  r.server(answer);
  await settle();
  assert.equal(r.atClient(), answer);
  r.client('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"a","content":"b"}}}\n');
  r.client('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"unlisted","arguments":{}}}\n');
  await settle();
  assert.deepEqual(asked.map((a) => a.inputSchema), [schema, undefined]);
});
