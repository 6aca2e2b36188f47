// The MCP proxy with real parts: the official filesystem and everything servers as children of the proxy, the
// official SDK client in front of it, and a real daemon behind it over its WebSocket (found through daemon.json,
// as in production). Only the client↔proxy hop is in memory; the process-level behaviour (stdio, exit codes,
// signals) is in mcpProxyProcess.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalRequest } from '../../daemon/src/server/protocol';
import { nextNotification, startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { connectDirect, connectThroughProxy, everythingServer, filesystemServer, recordingServer, textOf, type ProxiedSession, type Session } from '../fixtures/mcp/servers';

function answersById(received: JSONRPCMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of received) {
    if ('id' in m && m.id !== undefined && !('method' in m)) counts.set(String(m.id), (counts.get(String(m.id)) ?? 0) + 1);
  }
  return counts;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('mcp-proxy in front of the official filesystem server', () => {
  let h: Harness;
  let ws: string;
  let outside: string;
  let proxied: ProxiedSession;
  let direct: Session;

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 60 });
    ws = h.workspace;
    outside = tempDir('signet-outside-');
    mkdirSync(join(ws, 'src'));
    writeFileSync(join(ws, 'src', 'a.txt'), 'alpha\n');
    writeFileSync(join(ws, 'secret.txt'), 'the secret\n');
    writeFileSync(join(outside, 'passwd'), 'outside secret\n');
    symlinkSync(outside, join(ws, 'src', 'link'));
    await h.ui.request('agent/create', { name: 'coder' });
    // Reading inside src/ is delegated; everything else needs a person.
    await h.ui.request('delegation/issue', {
      from: 'user',
      to: 'coder',
      cmd: '/mcp/tools/call',
      pol: [
        ['==', '.tool', 'read_text_file'],
        ['like', '.arguments.path', `${ws}/src/*`],
      ],
      ttl: 3600,
    });
    proxied = await connectThroughProxy(h.home, filesystemServer(ws), { agent: 'coder', serverName: 'fs', workspace: ws });
    direct = await connectDirect(filesystemServer(ws));
  });

  after(async () => {
    await proxied?.close();
    await direct?.close();
    await h.close();
  });

  test('the tools listed through the proxy are identical to the tools listed directly', async () => {
    const [through, straight] = await Promise.all([proxied.client.listTools(), direct.client.listTools()]);
    assert.ok(straight.tools.length > 5);
    assert.deepEqual(through, straight);
  });

  test('a call covered by a delegation returns the same result as the same call made directly', async () => {
    const args = { name: 'read_text_file', arguments: { path: join(ws, 'src', 'a.txt') } };
    const [through, straight] = await Promise.all([proxied.client.callTool(args), direct.client.callTool(args)]);
    assert.equal(textOf(straight), 'alpha\n');
    assert.deepEqual(through, straight);
  });

  test('a large result (4 MB) passes through whole', async () => {
    const big = `${'0123456789abcdef'.repeat(256 * 1024)}\n`;
    writeFileSync(join(ws, 'src', 'big.txt'), big);
    const args = { name: 'read_text_file', arguments: { path: join(ws, 'src', 'big.txt') } };
    const [through, straight] = await Promise.all([proxied.client.callTool(args), direct.client.callTool(args)]);
    assert.equal(textOf(through).length, big.length);
    assert.deepEqual(through, straight);
  });

  test('an uncovered call waits for an approval decided through the daemon, then succeeds', async () => {
    const target = join(ws, 'src', 'approved.txt');
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const call = proxied.client.callTool({ name: 'write_file', arguments: { path: target, content: 'written after approval' } });
    const request = await requested;
    assert.equal(request.agent.name, 'coder');
    assert.equal(request.cmd, '/mcp/tools/call');
    assert.deepEqual({ server: request.args.server, tool: request.args.tool }, { server: 'fs', tool: 'write_file' });
    assert.equal(existsSync(target), false, 'nothing is written while the approval is pending');
    await h.ui.request('approval/decide', { id: request.id, decision: 'once', decidedBy: 'test' });
    const result = await call;
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(readFileSync(target, 'utf8'), 'written after approval');
  });

  test('a denied call returns isError with the reason and leaves the file on disk untouched', async () => {
    const target = join(ws, 'src', 'a.txt');
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const call = proxied.client.callTool({ name: 'write_file', arguments: { path: target, content: 'overwritten' } });
    const request = await requested;
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny', decidedBy: 'the reviewer' });
    const result = await call;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /Signet refused this tool call: the reviewer denied/);
    assert.equal(readFileSync(target, 'utf8'), 'alpha\n');
  });

  test('under a delegation scoped to src/, src/../secret.txt is refused and the person sees the real path', async () => {
    const requests: ApprovalRequest[] = [];
    const off = h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' });
    });
    try {
      const result = await proxied.client.callTool({ name: 'read_text_file', arguments: { path: join(ws, 'src', '..', 'secret.txt') } });
      assert.equal(result.isError, true);
      assert.doesNotMatch(textOf(result), /the secret/);
      assert.equal(requests.length, 1, 'the delegation did not cover it, so a person was asked');
      assert.equal((requests[0]?.args.arguments as { path: string }).path, join(ws, 'secret.txt'));
    } finally {
      off();
    }
  });

  test('under a delegation scoped to src/, a symlink from src/ to a folder outside is refused', async () => {
    const requests: ApprovalRequest[] = [];
    const off = h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' });
    });
    try {
      const result = await proxied.client.callTool({ name: 'read_text_file', arguments: { path: join(ws, 'src', 'link', 'passwd') } });
      assert.equal(result.isError, true);
      assert.doesNotMatch(textOf(result), /outside secret/);
      assert.equal((requests[0]?.args.arguments as { path: string }).path, join(outside, 'passwd'));
    } finally {
      off();
    }
  });
});

describe('mcp-proxy in front of the official everything server', () => {
  let h: Harness;
  let proxied: ProxiedSession;
  const sampled: string[] = [];
  const elicited: string[] = [];

  before(async () => {
    h = await startHarness({ listen: true });
    await h.ui.request('agent/create', { name: 'tester' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'tester', cmd: '/mcp', ttl: 3600 });
    proxied = await connectThroughProxy(h.home, everythingServer(), {
      agent: 'tester',
      serverName: 'everything',
      workspace: h.workspace,
      client: { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
      configure(client) {
        client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
          const first = request.params.messages[0]?.content;
          sampled.push(first && 'text' in first ? String(first.text) : '');
          return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the test client' } };
        });
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          elicited.push(request.params.message);
          return { action: 'decline' };
        });
        client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///signet-test-root', name: 'test root' }] }));
      },
    });
  });

  after(async () => {
    await proxied?.close();
    await h.close();
  });

  test('progress notifications for a call reach the client with its own progress token', async () => {
    const progress: number[] = [];
    const result = await proxied.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    assert.match(textOf(result), /Long running operation completed/);
    // The server sends its last progress step and the result back to back, and the SDK client drops a progress
    // notification that lands after the result (it does so without the proxy too); the earlier steps are sure.
    assert.deepEqual(progress.slice(0, 2), [1, 2]);
  });

  test('a sampling request from the server reaches the client and its answer reaches the server', async () => {
    const result = await proxied.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello from the server', maxTokens: 5 } });
    assert.match(textOf(result), /sampled by the test client/);
    assert.equal(sampled.length, 1);
    assert.match(sampled[0] ?? '', /hello from the server/);
  });

  test('an elicitation request and a roots request from the server pass through to the client', async () => {
    const elicitation = await proxied.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    assert.equal(elicited.length, 1);
    assert.match(textOf(elicitation), /decline/i);
    const roots = await proxied.client.callTool({ name: 'get-roots-list', arguments: {} });
    assert.match(textOf(roots), /signet-test-root/);
  });

  test('a resource read and a prompt covered by a delegation pass through', async () => {
    const resources = await proxied.client.listResources();
    const first = resources.resources[0];
    assert.ok(first, 'the everything server lists resources');
    const read = await proxied.client.readResource({ uri: first.uri });
    assert.ok(read.contents.length > 0);
    const prompts = await proxied.client.listPrompts();
    const simple = prompts.prompts.find((p) => !p.arguments?.some((a) => a.required));
    assert.ok(simple, 'the everything server has a prompt without required arguments');
    const prompt = await proxied.client.getPrompt({ name: simple.name });
    assert.ok(prompt.messages.length > 0);
  });

  test('log notifications from the server reach the client', async () => {
    const logged: string[] = [];
    proxied.client.fallbackNotificationHandler = async (n) => {
      if (n.method === 'notifications/message') logged.push(JSON.stringify(n.params));
    };
    await proxied.client.setLoggingLevel('debug');
    await proxied.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    await until(() => logged.length > 0, 'a log notification arrives');
    await proxied.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
  });
});

describe('mcp-proxy decisions, cancellation, daemon loss and load', () => {
  let h: Harness;
  let userDid: string;
  let proxied: ProxiedSession;

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 60 });
    userDid = (await h.ui.request('daemon/status', {})).user.did;
    await h.ui.request('agent/create', { name: 'bot' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'bot', cmd: '/mcp/tools/call', pol: [['!=', '.tool', 'note']], ttl: 3600 });
    proxied = await connectThroughProxy(h.home, recordingServer(userDid), { agent: 'bot', serverName: 'rec', workspace: h.workspace });
  });

  after(async () => {
    await proxied?.close();
    await h.close();
  });

  test('a forwarded call carries an invocation the server verifies offline, and keeps the client\'s own _meta', async () => {
    const result = await proxied.client.callTool({ name: 'verify_meta', arguments: {}, _meta: { progressToken: 'client-token-7' } });
    const { verdict, progressToken } = JSON.parse(textOf(result)) as { verdict: { ok: boolean; issuer?: string; subject?: string; cmd?: string }; progressToken: string };
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(verdict.subject, userDid);
    assert.equal(verdict.cmd, '/mcp/tools/call');
    assert.equal(progressToken, 'client-token-7');
  });

  test('a call cancelled while it waits for approval is withdrawn: its prompt closes and the server never sees it', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const controller = new AbortController();
    const call = proxied.client.callTool({ name: 'note', arguments: { text: 'cancelled-call' } }, undefined, { signal: controller.signal });
    const request = await requested;
    const resolved = nextNotification(h.ui, 'approval/didResolve');
    controller.abort('the user pressed stop');
    await assert.rejects(call);
    assert.deepEqual(await resolved, { id: request.id, outcome: 'cancelled' }, 'the prompt closes everywhere');
    await assert.rejects(h.ui.request('approval/decide', { id: request.id, decision: 'once', decidedBy: 'test' }), /no pending approval/);
    await until(() => proxied.proxy.proxy.waitingCalls === 0, 'the withdrawn authorization came back to the proxy');
    const seen = JSON.parse(textOf(await proxied.client.callTool({ name: 'received', arguments: {} }))) as { tool: string; text?: string }[];
    assert.ok(!seen.some((r) => r.text === 'cancelled-call'), `the server saw ${JSON.stringify(seen)}`);
    assert.ok(seen.some((r) => r.tool === 'received'));
  });

  test('a call whose arguments are too large for the daemon to read is refused with that reason, and the next call goes through', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 1);
    const refused = await proxied.client.callTool({ name: 'note', arguments: { text: huge } });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /arguments are too large for Signet to check/);
    const seen = JSON.parse(textOf(await proxied.client.callTool({ name: 'received', arguments: {} }))) as { tool: string; text?: string }[];
    assert.ok(!seen.some((r) => r.text === huge), 'the server never saw the refused call');
    assert.ok(seen.some((r) => r.tool === 'received'), 'the link to the daemon still works after the refusal');
  });

  test('1,000 concurrent calls, some allowed and some denied, are each answered exactly once, each allowed one with an invocation the server verifies', async () => {
    const off = h.ui.onNotification('approval/didRequest', (r) => void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'load test' }));
    const before = proxied.received.length;
    try {
      const calls = Array.from({ length: 1000 }, (_, i) =>
        i % 10 === 0
          ? proxied.client.callTool({ name: 'note', arguments: { text: `denied-${i}` } }, undefined, { timeout: 120_000 })
          : proxied.client.callTool({ name: 'verify_meta', arguments: { text: `n${i}` } }, undefined, { timeout: 120_000 }),
      );
      const results = await Promise.all(calls);
      const denied = results.filter((r) => r.isError === true);
      assert.equal(denied.length, 100);
      assert.ok(denied.every((r) => /load test denied/.test(textOf(r))));
      const verdicts = results.filter((r) => r.isError !== true).map((r) => (JSON.parse(textOf(r)) as { verdict: { ok: boolean } }).verdict);
      assert.equal(verdicts.length, 900);
      assert.ok(verdicts.every((v) => v.ok), 'every allowed call carried an invocation the server verified offline');
      const counts = answersById(proxied.received.slice(before));
      assert.equal(counts.size, 1000);
      assert.ok([...counts.values()].every((n) => n === 1), 'no id was answered twice');
    } finally {
      off();
    }
  });

  test('an agent that does not exist yet is created on first use, and its creation is audited', async () => {
    const before = await h.ui.request('agent/list', {});
    assert.ok(!before.agents.some((a) => a.name === 'newcomer'));
    const session = await connectThroughProxy(h.home, recordingServer(userDid), { agent: 'newcomer', serverName: 'rec', workspace: h.workspace });
    try {
      const deny = h.ui.onNotification('approval/didRequest', (r) => void h.ui.request('approval/decide', { id: r.id, decision: 'deny' }));
      try {
        const result = await session.client.callTool({ name: 'received', arguments: {} });
        assert.equal(result.isError, true, 'a new agent holds no delegation yet');
      } finally {
        deny();
      }
      const created = (await h.ui.request('agent/list', {})).agents.find((a) => a.name === 'newcomer');
      assert.ok(created);
      const { records } = await h.ui.request('audit/query', { kind: 'identity.created', agent: created.did });
      assert.equal(records.length, 1);
    } finally {
      await session.close();
    }
  });

  test('with the daemon gone, calls are denied with a clear reason, the proxy stays up, and it works again when a daemon returns', async () => {
    await h.daemon.stop('killed by the test');
    const refused = await proxied.client.callTool({ name: 'verify_meta', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /Signet daemon is not reachable.*signet daemon/s);
    await h.restart();
    const again = await proxied.client.callTool({ name: 'verify_meta', arguments: {} });
    assert.notEqual(again.isError, true, textOf(again));
    assert.equal((JSON.parse(textOf(again)) as { verdict: { ok: boolean } }).verdict.ok, true);
  });
});
