// The OPA client, through the official SDK, against a local HTTP server that answers exactly as OPA's Data API
// documents (POST /v1/data/<path> with {"input": …} → {"result": …}); the OPA server itself cannot be installed
// here. Unreachable, slow and nonsense answers deny with the cause.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OpaDecider, type OpaInput } from '../../daemon/src/policy/opaPolicy';
import type { PolicyCall } from '../../daemon/src/policy/ownerPolicy';
import { withHarness } from '../support/daemonHarness';

type Handler = (input: OpaInput, res: ServerResponse) => void;

describe('the OPA client', () => {
  let server: Server;
  let url: string;
  let handler: Handler = () => undefined;
  const seen: { path: string; body: unknown }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body || '{}') as { input: OpaInput };
        seen.push({ path: req.url ?? '', body: parsed });
        handler(parsed.input, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const call: PolicyCall = {
    agent: { did: 'did:key:z6MkCoder', name: 'coder' },
    chain: ['did:key:z6MkUser'],
    actingFor: ['user'],
    cmd: '/claude-code/tools/bash',
    args: { tool: 'Bash', input: { command: 'git push --force' } },
    paths: [],
    workspace: '/repo',
  };
  const shell = { commands: [{ program: 'git', argv: ['git', 'push', '--force'], via: [], stdinFrom: '', paths: [] }], paths: [], opaque: [] };
  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  test('posts the documented input to /v1/data/<path> and takes a deny with its rule and reason', async () => {
    handler = (input, res) => json(res, 200, { result: { decision: input.shell?.commands[0]?.program === 'git' ? 'deny' : 'none', rule: 'no_force_push', reason: 'team rule' } });
    const verdict = await new OpaDecider({ url, now: () => 1_700_000_000 }).evaluate(call, shell);
    assert.equal(verdict.outcome, 'deny');
    assert.equal(verdict.rule?.id, 'no_force_push');
    assert.match(verdict.reason, /denied by OPA rule `no_force_push`.*team rule/);
    const last = seen.at(-1)!;
    assert.equal(last.path, '/v1/data/signet/decision');
    const input = (last.body as { input: OpaInput }).input;
    assert.deepEqual([input.agent, input.chain, input.cmd, input.workspace, input.time.iso], [call.agent, call.chain, call.cmd, '/repo', '2023-11-14T22:13:20.000Z']);
    assert.deepEqual(input.shell?.commands[0]?.argv, ['git', 'push', '--force']);
  });

  test('ask, allow and none come through as they are', async () => {
    for (const decision of ['ask', 'allow', 'none'] as const) {
      handler = (_input, res) => json(res, 200, { result: { decision } });
      assert.equal((await new OpaDecider({ url, path: 'team/signet' }).evaluate(call, shell)).outcome, decision);
      assert.equal(seen.at(-1)?.path, '/v1/data/team/signet');
    }
  });

  test('an answer that is not the documented result denies with what came back', async () => {
    for (const answer of [{ result: 'yes' }, { result: { decision: 'maybe' } }, { result: { decision: 'allow', extra: 1 } }, {}]) {
      handler = (_input, res) => json(res, 200, answer);
      const verdict = await new OpaDecider({ url }).evaluate(call, shell);
      assert.equal(verdict.outcome, 'deny', JSON.stringify(answer));
      assert.equal(verdict.rule?.id, 'signet:opa-unavailable');
    }
    handler = (_input, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"result": {"decision": "allo');
    };
    assert.equal((await new OpaDecider({ url }).evaluate(call, shell)).outcome, 'deny');
  });

  test('a server error, a server that never answers within the timeout, and no server at all deny with the cause', async () => {
    handler = (_input, res) => json(res, 500, { code: 'internal_error', message: 'rego_type_error' });
    assert.equal((await new OpaDecider({ url }).evaluate(call, shell)).outcome, 'deny');
    handler = () => undefined;
    const slow = await new OpaDecider({ url, timeoutMs: 200 }).evaluate(call, shell);
    assert.equal(slow.outcome, 'deny');
    assert.match(slow.reason, /did not answer/);
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const unreachable = await new OpaDecider({ url: `http://127.0.0.1:${port}` }).evaluate(call, shell);
    assert.equal(unreachable.outcome, 'deny');
    assert.match(unreachable.reason, /nothing runs without the team's policy/);
  });

  test('inside authorize, an OPA deny beats a covering delegation and is audited with its rule, and a vanished OPA denies', async () => {
    handler = (input, res) => json(res, 200, { result: input.cmd === '/fs/read' && input.paths.some((p) => p.endsWith('/secret.txt')) ? { decision: 'deny', rule: 'no_secret', reason: 'team rule' } : { decision: 'none' } });
    await withHarness({ policy: { installDefaults: false, opa: { url, timeoutMs: 1000 } } }, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs', ttl: 3600 });
      const denied = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'secret.txt' }, workspace: h.workspace });
      assert.equal(denied.decision === 'deny' && denied.code, 'denied-by-policy');
      const { records } = await h.ui.request('audit/query', { kind: 'authorize.denied', agent: 'coder' });
      assert.equal((records.at(-1)?.data.policy as { rule: { id: string } }).rule.id, 'no_secret');
      assert.equal((await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'README.md' }, workspace: h.workspace })).decision, 'allow');
      handler = (_input, res) => res.destroy();
      const unavailable = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'README.md' }, workspace: h.workspace });
      assert.equal(unavailable.decision === 'deny' && unavailable.code, 'policy-unavailable');
    });
  });
});
