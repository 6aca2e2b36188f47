import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { DaemonClient, DaemonRequestError, RequestTooLargeError, UnserializableRequestError } from '../../daemon/src/client/daemonClient';
import { JsonRpcErrorCode, MAX_ARGS_DEPTH, MAX_FRAME_BYTES, SignetErrorCode } from '../../daemon/src/server/protocol';
import { createLinkedTransportPair } from '../../daemon/src/server/transport';
import { startHarness, withHarness, type Harness } from '../support/daemonHarness';

/** Opens a raw socket with the given headers and reports the HTTP status of a refused handshake. */
function handshake(port: number, headers: Record<string, string>, path = '/'): Promise<{ open: true; socket: WebSocket } | { open: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    socket.once('open', () => resolve({ open: true, socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)));
  });
}

function roundTrip(socket: WebSocket, frame: string | Buffer): Promise<{ id?: unknown; error?: { code: number; message: string }; result?: unknown }> {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(data.toString())));
    socket.send(frame);
  });
}

describe('the WebSocket server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ listen: true });
  });
  after(() => h.close());

  test('a connection without a token is refused with 401', async () => {
    const r = await handshake(h.daemon.port, {});
    assert.deepEqual([r.open, !r.open && r.status], [false, 401]);
  });

  test('a connection with a wrong token is refused with 401', async () => {
    const r = await handshake(h.daemon.port, { authorization: 'Bearer wrong-token-wrong-token-123' });
    assert.equal(!r.open && r.status, 401);
  });

  test('a connection carrying any Origin header is refused, even with the UI token', async () => {
    const r = await handshake(h.daemon.port, { authorization: `Bearer ${h.daemon.uiToken}`, origin: 'http://127.0.0.1' });
    assert.equal(!r.open && r.status, 403);
    assert.match(!r.open ? r.body : '', /Origin/);
  });

  test('a connection naming a foreign Host is refused, defeating DNS rebinding', async () => {
    const r = await handshake(h.daemon.port, { authorization: `Bearer ${h.daemon.uiToken}`, host: `evil.example:${h.daemon.port}` });
    assert.equal(!r.open && r.status, 403);
    assert.match(!r.open ? r.body : '', /Host/);
  });

  test('the agent token connects but cannot decide approvals', async () => {
    const client = await DaemonClient.connect({ port: h.daemon.port, token: h.daemon.agentToken });
    try {
      const status = await client.request('daemon/status', {});
      assert.equal(status.role, 'agent');
      await assert.rejects(client.request('approval/decide', { id: 'x', decision: 'once' }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Forbidden);
      await assert.rejects(client.request('agent/create', { name: 'sneaky' }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Forbidden);
    } finally {
      client.close();
    }
  });

  test('malformed frames get errors and the connection and daemon stay up', async () => {
    const r = await handshake(h.daemon.port, { authorization: `Bearer ${h.daemon.uiToken}` });
    assert.ok(r.open);
    const socket = r.socket;
    try {
      assert.equal((await roundTrip(socket, '{not json')).error?.code, JsonRpcErrorCode.ParseError);
      assert.equal((await roundTrip(socket, JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'daemon/status' }))).error?.code, JsonRpcErrorCode.InvalidRequest);
      assert.equal((await roundTrip(socket, JSON.stringify([1, 2, 3]))).error?.code, JsonRpcErrorCode.InvalidRequest);
      const unknown = await roundTrip(socket, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'keys/export' }));
      assert.deepEqual([unknown.id, unknown.error?.code], [2, JsonRpcErrorCode.MethodNotFound]);
      const badParams = await roundTrip(socket, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'agent/create', params: { name: '../etc' } }));
      assert.equal(badParams.error?.code, JsonRpcErrorCode.InvalidParams);
      const extra = await roundTrip(socket, JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'authz/authorize', params: { agent: 'a', cmd: '/x', args: {}, admin: true } }));
      assert.equal(extra.error?.code, JsonRpcErrorCode.InvalidParams);
      const ok = await roundTrip(socket, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'daemon/status' }));
      assert.equal((ok.result as { role: string }).role, 'ui');
    } finally {
      socket.close();
    }
  });

  test('a frame over 1 MiB is refused and the daemon keeps serving others', async () => {
    const r = await handshake(h.daemon.port, { authorization: `Bearer ${h.daemon.uiToken}` });
    assert.ok(r.open);
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status', params: { pad: 'x'.repeat(MAX_FRAME_BYTES) } });
    const reply = await roundTrip(r.socket, big);
    assert.equal(reply.error?.code, JsonRpcErrorCode.InvalidRequest);
    assert.match(reply.error?.message ?? '', /limit/);
    r.socket.close();
    const client = await DaemonClient.connect({ port: h.daemon.port, token: h.daemon.uiToken });
    assert.equal((await client.request('daemon/status', {})).role, 'ui');
    client.close();
  });
});

describe('hostile input', () => {
  test('a thousand random and truncated frames each get an error reply and the daemon keeps serving', () =>
    withHarness({}, async (h) => {
      const [daemonSide, clientSide] = createLinkedTransportPair();
      h.daemon.accept(daemonSide, 'agent');
      const replies: unknown[] = [];
      clientSide.onMessage((frame) => replies.push(JSON.parse(frame)));
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const valid = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'authz/authorize', params: { agent: 'a', cmd: '/x', args: { path: 'p' } } });
      for (let i = 0; i < 1000; i++) {
        const frame =
          i % 2 === 0
            ? valid.slice(0, Math.floor(random() * valid.length))
            : Array.from({ length: Math.floor(random() * 64) }, () => String.fromCharCode(Math.floor(random() * 0x7f))).join('');
        clientSide.send(frame);
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(replies.length, 1000);
      assert.ok(replies.every((r) => typeof r === 'object' && r !== null && 'error' in r));
      assert.equal((await h.ui.request('daemon/status', {})).role, 'ui');
    }));
});

describe('deep nesting', () => {
  type Reply = { id: number; error?: { code: number; message: string } };
  /** A connection that sends frames as written (no client could serialise these) and collects replies by id. */
  function rawConnection(h: Harness, role: 'agent' | 'ui') {
    const [daemonSide, clientSide] = createLinkedTransportPair();
    h.daemon.accept(daemonSide, role);
    const replies = new Map<number, Reply>();
    clientSide.onMessage((frame) => {
      const reply = JSON.parse(frame) as Reply;
      if (typeof reply.id === 'number') replies.set(reply.id, reply);
    });
    return {
      replies,
      send: (frame: string) => clientSide.send(frame),
      async replyTo(...ids: number[]): Promise<void> {
        for (let waited = 0; !ids.every((id) => replies.has(id)) && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      },
    };
  }
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

  test('arguments are refused on arrival with the reason, at any depth a frame can hold, and the daemon keeps serving', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      const raw = rawConnection(h, 'agent');
      const authorize = (id: number, value: string) =>
        `{"jsonrpc":"2.0","id":${id},"method":"authz/authorize","params":{"agent":"coder","cmd":"/mcp/tools/call","args":{"server":"s","tool":"t","arguments":{"v":${value}}}}}`;
      // 200,000 levels fit in one frame, far past any recursion's stack; 63 list levels under "arguments" is the most allowed.
      raw.send(authorize(1, nested(200_000)));
      raw.send(authorize(2, nested(MAX_ARGS_DEPTH)));
      raw.send(authorize(3, nested(MAX_ARGS_DEPTH - 2)));
      await raw.replyTo(1, 2);
      for (const id of [1, 2]) {
        assert.equal(raw.replies.get(id)?.error?.code, JsonRpcErrorCode.InvalidParams, `request ${id}`);
        assert.match(raw.replies.get(id)?.error?.message ?? '', new RegExp(`nest more than ${MAX_ARGS_DEPTH} levels deep`));
      }
      // Within the limit the call is judged as any other: nothing covers it, so it waits for a person.
      let pending = 0;
      for (let waited = 0; pending === 0 && waited < 5000; waited += 10) {
        pending = (await h.ui.request('approval/list', {})).pending.length;
        if (pending === 0) await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(pending, 1);
      assert.equal(raw.replies.has(3), false);
      assert.equal((await h.ui.request('daemon/status', {})).role, 'ui');
    }));

  test('a policy is refused on arrival with the reason, and nothing is issued', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      const raw = rawConnection(h, 'ui');
      raw.send(`{"jsonrpc":"2.0","id":1,"method":"delegation/issue","params":{"from":"user","to":"coder","cmd":"/x","pol":${nested(200_000)}}}`);
      await raw.replyTo(1);
      assert.equal(raw.replies.get(1)?.error?.code, SignetErrorCode.InvalidArgument);
      assert.match(raw.replies.get(1)?.error?.message ?? '', /invalid policy: pol\[0\]: unknown operator a list/);
      assert.equal((await h.ui.request('delegation/list', {})).delegations.length, 0);
    }));
});

describe('the client', () => {
  test('refuses a request over the frame limit before sending it, with an error of its own, and stays usable', async () => {
    const [daemonSide, clientSide] = createLinkedTransportPair();
    const sent: string[] = [];
    daemonSide.onMessage((frame) => sent.push(frame));
    const client = DaemonClient.overTransport(clientSide);
    await assert.rejects(
      client.request('daemon/status', { pad: 'x'.repeat(MAX_FRAME_BYTES) } as never),
      (e: unknown) => e instanceof RequestTooLargeError && e.method === 'daemon/status' && e.bytes > MAX_FRAME_BYTES,
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(sent, [], 'nothing reached the daemon');
    assert.ok(client.isOpen);
    client.close();
  });

  test('refuses a request that cannot be written as JSON with an error of its own, sends nothing, and stays usable', async () => {
    const [daemonSide, clientSide] = createLinkedTransportPair();
    const sent: string[] = [];
    daemonSide.onMessage((frame) => sent.push(frame));
    const client = DaemonClient.overTransport(clientSide);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const args of [{ v: deep }, cyclic, { n: 1n }]) {
      await assert.rejects(
        client.request('authz/authorize', { agent: 'a', cmd: '/x', args }, { timeoutMs: 60_000 }),
        (e: unknown) => e instanceof UnserializableRequestError && e.method === 'authz/authorize' && /cannot be written as JSON/.test(e.message),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(sent, [], 'nothing reached the daemon');
    assert.ok(client.isOpen);
    client.close();
  });
});

describe('the in-memory transport', () => {
  test('serves the same dispatcher as the socket, roles included', () =>
    withHarness({}, async (h) => {
      assert.equal((await h.ui.request('daemon/status', {})).role, 'ui');
      await assert.rejects(h.agent.request('delegation/revoke', { cid: 'bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4' }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Forbidden);
      await assert.rejects(h.ui.request('delegation/revoke', { cid: 'bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4' }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.UnknownDelegation);
    }));
});
