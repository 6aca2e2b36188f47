// The protocol as both ends see it: the former method names still answer, errors reach the client with the
// code and typed data their cause calls for, a keystore failure during authorize is an audited deny, and the
// client refuses answers and notifications that do not match the declarations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DaemonClient, DaemonProtocolError, DaemonRequestError } from '../../daemon/src/client/daemonClient';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { MemoryStore } from '../../daemon/src/keys/memoryStore';
import { SignetErrorCode, type AuditRecord } from '../../daemon/src/server/protocol';
import { createLinkedTransportPair, type MessageTransport } from '../../daemon/src/server/transport';
import { nextNotification, withHarness } from '../support/daemonHarness';

/** A raw connection to the daemon that sends frames as written and hands back each answer by id. */
function rawConnection(accept: (transport: MessageTransport) => void): { ask(id: number, method: string, params: unknown): Promise<Record<string, unknown>>; close(): void } {
  const [daemonSide, clientSide] = createLinkedTransportPair();
  accept(daemonSide);
  const waiting = new Map<unknown, (frame: Record<string, unknown>) => void>();
  clientSide.onMessage((text) => {
    const frame = JSON.parse(text) as Record<string, unknown>;
    waiting.get(frame.id)?.(frame);
  });
  return {
    ask: (id, method, params) =>
      new Promise((resolve) => {
        waiting.set(id, resolve);
        clientSide.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      }),
    close: () => clientSide.close(),
  };
}

const lockedKeyring = () =>
  new KeystoreError({ code: 'locked', problem: 'the keyring is locked.', fix: 'Unlock it in your desktop\'s keyring app, then retry.' });

describe('the former method names', () => {
  test('an older client that still calls "authorize" and "authorize/cancel" is answered as by "authz/authorize" and "authz/cancel"', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/read', ttl: 3600 });
      const old = rawConnection((t) => h.daemon.accept(t, 'agent'));
      try {
        const allowed = await old.ask(1, 'authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'a.txt' }, workspace: h.workspace });
        assert.equal((allowed.result as { decision?: string } | undefined)?.decision, 'allow', JSON.stringify(allowed));

        const requested = nextNotification(h.ui, 'approval/didRequest');
        const waiting = old.ask(2, 'authorize', { agent: 'coder', cmd: '/fs/write', args: { path: 'b.txt' }, workspace: h.workspace, requestId: 'old-1' });
        await requested;
        assert.deepEqual((await old.ask(3, 'authorize/cancel', { requestId: 'old-1' })).result, { cancelled: true });
        const withdrawn = (await waiting).result as { decision?: string; code?: string };
        assert.deepEqual([withdrawn.decision, withdrawn.code], ['deny', 'withdrawn']);
      } finally {
        old.close();
      }
    }));

  test('a former name is held to the same params schema and roles as the current one', () =>
    withHarness({}, async (h) => {
      const old = rawConnection((t) => h.daemon.accept(t, 'agent'));
      try {
        const invalid = await old.ask(1, 'authorize', { agent: 'coder', cmd: '/x', args: {}, admin: true });
        assert.equal((invalid.error as { code?: number }).code, -32602);
        const unknown = await old.ask(2, 'authorize/authorize', { agent: 'coder', cmd: '/x', args: {} });
        assert.equal((unknown.error as { code?: number }).code, -32601);
      } finally {
        old.close();
      }
    }));
});

describe('errors at the RPC boundary', () => {
  test('a keystore that cannot be written reaches the client as KeystoreUnavailable with the fix and the cause as data', () => {
    const store = new MemoryStore();
    return withHarness({ secretStore: store }, async (h) => {
      store.failWith(lockedKeyring());
      await assert.rejects(h.ui.request('agent/create', { name: 'coder' }), (e: unknown) => {
        assert.ok(e instanceof DaemonRequestError, String(e));
        assert.equal(e.code, SignetErrorCode.KeystoreUnavailable);
        assert.deepEqual(e.data, { fix: lockedKeyring().fix, cause: 'locked' });
        return true;
      });
    });
  });

  test('an agent that exists already is AgentExists, and a proof beyond the log is InvalidArgument, each naming its cause', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      await assert.rejects(h.ui.request('agent/create', { name: 'coder' }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.AgentExists && e.data?.cause === 'agent-exists');
      await assert.rejects(
        h.ui.request('audit/proveInclusion', { seq: 10_000 }),
        (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.InvalidArgument && e.data?.cause === 'invalid-entry',
      );
    }));
});

describe('a keystore failure during authorize', () => {
  test('is a deny with the keystore-unavailable code and the fix, audited like any deny', () => {
    const store = new MemoryStore();
    return withHarness({ secretStore: store }, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/read', ttl: 3600 });
      // A fresh daemon has no key in memory yet: the first allow must read it from the store.
      await h.restart();
      store.failWith(lockedKeyring());
      const result = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'a.txt' }, workspace: h.workspace });
      assert.equal(result.decision, 'deny');
      assert.equal(result.decision === 'deny' && result.code, 'keystore-unavailable');
      assert.match(result.decision === 'deny' ? result.reason : '', /keyring is locked[\s\S]*Unlock it/);
      const denied = (await h.ui.request('audit/query', { kind: 'authorize.denied' })).records.at(-1);
      assert.equal(denied?.data.code, 'keystore-unavailable');
      assert.equal(denied?.agent, (await h.ui.request('agent/list', {})).agents.find((a) => a.name === 'coder')?.did);
    });
  });

  test('that keeps a new agent from being created on first use is a deny too, audited without an agent', () => {
    const store = new MemoryStore();
    return withHarness({ secretStore: store }, async (h) => {
      store.failWith(lockedKeyring());
      const result = await h.agent.request('authz/authorize', { agent: 'newbie', cmd: '/x', args: {}, createAgent: true });
      assert.equal(result.decision === 'deny' && result.code, 'keystore-unavailable');
      const denied = (await h.ui.request('audit/query', { kind: 'authorize.denied' })).records.at(-1);
      assert.deepEqual([denied?.agent, denied?.data.agentName, denied?.data.code], [null, 'newbie', 'keystore-unavailable']);
    });
  });
});

describe('deny codes come from the cause', () => {
  test('an agent whose name contains "shut" that disconnects while waiting is denied as disconnected, not as a shutdown', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'shutter' });
      const asking = h.daemon.connectInMemory('agent');
      const requested = nextNotification(h.ui, 'approval/didRequest');
      void asking.request('authz/authorize', { agent: 'shutter', cmd: '/x', args: {} }).catch(() => undefined);
      await requested;
      const denied = new Promise<AuditRecord>((resolve) => {
        const off = h.ui.onNotification('audit/didAppend', (record) => {
          if (record.kind !== 'authorize.denied') return;
          off();
          resolve(record);
        });
      });
      asking.close();
      assert.equal((await denied).data.code, 'disconnected');
    }));
});

describe('the client checks what arrives', () => {
  /** A client over an in-memory pair whose far end answers each request with `answer(id, method)`. */
  function clientOfFakeDaemon(answer: (id: number, method: string) => unknown): { client: DaemonClient; daemon: MessageTransport; problems: string[] } {
    const [daemon, clientSide] = createLinkedTransportPair();
    daemon.onMessage((text) => {
      const { id, method } = JSON.parse(text) as { id: number; method: string };
      const reply = answer(id, method);
      if (reply !== undefined) daemon.send(JSON.stringify(reply));
    });
    const client = DaemonClient.overTransport(clientSide);
    const problems: string[] = [];
    client.onProtocolError((e) => problems.push(e.message));
    return { client, daemon, problems };
  }

  test('an answer whose result does not match the method\'s result schema rejects the request and is reported', async () => {
    const { client, problems } = clientOfFakeDaemon((id) => ({ jsonrpc: '2.0', id, result: { decision: 'allow', invocation: 42 } }));
    await assert.rejects(
      client.request('authz/authorize', { agent: 'a', cmd: '/x', args: {} }),
      (e: unknown) => e instanceof DaemonProtocolError && /"authz\/authorize"/.test(e.message),
    );
    assert.equal(problems.length, 1);
    client.close();
  });

  test('an error whose code is not a number is a protocol error, not a request error', async () => {
    const { client } = clientOfFakeDaemon((id) => ({ jsonrpc: '2.0', id, error: { code: 'nope', message: 'x' } }));
    await assert.rejects(client.request('agent/list', {}), (e: unknown) => e instanceof DaemonProtocolError);
    client.close();
  });

  test('a well-formed error hands its typed data to the caller, and a newer daemon\'s extra result fields are tolerated', async () => {
    const { client } = clientOfFakeDaemon((id, method) =>
      method === 'agent/create'
        ? { jsonrpc: '2.0', id, error: { code: SignetErrorCode.KeystoreUnavailable, message: 'locked', data: { fix: 'unlock it', cause: 'locked' } } }
        : { jsonrpc: '2.0', id, result: { cancelled: true, since: 'a later version' } },
    );
    await assert.rejects(client.request('agent/create', { name: 'a' }), (e: unknown) => e instanceof DaemonRequestError && e.data?.fix === 'unlock it');
    assert.deepEqual(await client.request('authz/cancel', { requestId: 'r' }), { cancelled: true });
    client.close();
  });

  test('a notification with params that do not match is dropped and reported; an unknown one is ignored; a good one is delivered', async () => {
    const { client, daemon, problems } = clientOfFakeDaemon(() => undefined);
    const heard: unknown[] = [];
    client.onNotification('approval/didResolve', (params) => heard.push(params));
    daemon.send(JSON.stringify({ jsonrpc: '2.0', method: 'approval/didResolve', params: { id: 7, outcome: 'maybe' } }));
    daemon.send(JSON.stringify({ jsonrpc: '2.0', method: 'something/didHappenLater', params: {} }));
    daemon.send(JSON.stringify({ jsonrpc: '2.0', method: 'approval/didResolve', params: { id: 'a1', outcome: 'timeout' } }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(heard, [{ id: 'a1', outcome: 'timeout' }]);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /approval\/didResolve/);
    client.close();
  });

  test('a frame that is not JSON-RPC, or answers no request, is reported and changes nothing', async () => {
    const { client, daemon, problems } = clientOfFakeDaemon((id) => ({ jsonrpc: '2.0', id, result: { cancelled: false } }));
    daemon.send('not json');
    daemon.send(JSON.stringify({ jsonrpc: '2.0', id: 999, result: {} }));
    assert.deepEqual(await client.request('authz/cancel', { requestId: 'r' }), { cancelled: false });
    assert.equal(problems.length, 2);
    client.close();
  });
});
