// The relay logic of McpProxy on its own: in-memory transports on both sides and a scripted decision function,
// so each rule is checked message by message. The real servers, client and daemon are in the integration tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpProxy } from '../../daemon/src/mcp/mcpProxy';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';

const allow: AuthorizeResult = { decision: 'allow', invocation: 'SU5W', invocationCid: 'bafyinv', chain: ['bafy1'], proofs: ['UFJG'], args: {} };

async function relay(decide: () => Promise<AuthorizeResult>) {
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
  const r = await relay(async () => allow);
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
  const r = await relay(async () => allow);
  const list: JSONRPCMessage = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'c', _meta: { x: 1 } } };
  const sampling: JSONRPCMessage = { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } };
  await r.client.send(list);
  await r.server.send(sampling);
  await settle();
  assert.deepEqual(r.toServer, [list]);
  assert.deepEqual(r.toClient, [sampling]);
});
