// The owner policy inside authorize, with the real daemon, real Cedar and the shipped default rules: deny beats
// every delegation and an "always" approval, ask beats a covering delegation, a policy allow yields an invocation
// that `signet verify` accepts offline, and each decision is audited with its rule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';
import { nextNotification, startHarness, type Harness } from '../support/daemonHarness';

const root = new URL('../..', import.meta.url).pathname;

function assertDecision<D extends AuthorizeResult['decision']>(result: AuthorizeResult, decision: D): asserts result is Extract<AuthorizeResult, { decision: D }> {
  assert.equal(result.decision, decision, result.decision === 'deny' ? result.reason : `allowed by ${result.chain.join(' → ')}`);
}

describe('owner policy in authorize', () => {
  let h: Harness;
  const tool = (name: string, args: Record<string, unknown>) => ({ agent: 'coder', cmd: '/mcp/tools/call', args: { server: 'fs', tool: name, arguments: args }, workspace: h.workspace });

  before(async () => {
    h = await startHarness();
    await h.ui.request('agent/create', { name: 'coder' });
    writeFileSync(
      join(h.home, 'policy', 'team.cedar'),
      `@id("deploy-needs-a-human")\n@outcome("ask")\n@reason("deploys are reviewed")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "deploy/*" };\n\n` +
        `@id("reads-of-src")\npermit (principal, action, resource is Signet::File) when { context.tool == "read_file" && resource.workspaceRelative like "src/*" };\n\n` +
        `@id("no-notes")\nforbid (principal, action, resource is Signet::File) when { resource.name == "notes.txt" };\n`,
    );
  });
  after(() => h.close());

  test('a policy deny beats a delegation that covers the call, and is audited with its rule, file and line', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/mcp', ttl: 3600 });
    const result = await h.agent.request('authz/authorize', tool('read_file', { path: '.env' }));
    assertDecision(result, 'deny');
    assert.equal(result.code, 'denied-by-policy');
    assert.match(result.reason, /rule `no-dotenv` in .*defaults\.cedar:\d+/);
    const { records } = await h.ui.request('audit/query', { kind: 'authorize.denied', agent: 'coder' });
    const policy = records.at(-1)?.data.policy as { rule: { id: string; file: string; line: number } } | undefined;
    assert.equal(policy?.rule.id, 'no-dotenv');
    assert.equal(policy?.rule.file, join(h.home, 'policy', 'defaults.cedar'));
    assert.ok(policy.rule.line > 0);
  });

  test('a policy deny beats an earlier "always" approval of the same call', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const first = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args: { path: 'notes.md' }, workspace: h.workspace });
    await h.ui.request('approval/decide', { id: (await requested).id, decision: 'always' });
    assertDecision(await first, 'allow');
    writeFileSync(join(h.home, 'policy', 'late.cedar'), `@id("no-notes-md")\nforbid (principal, action, resource is Signet::File) when { resource.name == "notes.md" };\n`);
    const second = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args: { path: 'notes.md' }, workspace: h.workspace });
    assertDecision(second, 'deny');
    assert.match(second.reason, /no-notes-md/);
  });

  test('a policy ask prompts even though a delegation covers the call, and the prompt names the rule', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = h.agent.request('authz/authorize', tool('write_file', { path: 'deploy/prod.yaml' }));
    const request = await requested;
    assert.equal(request.policy?.rule.id, 'deploy-needs-a-human');
    assert.match(request.policy?.reason ?? '', /asked because rule `deploy-needs-a-human` in .*team\.cedar:1/);
    await h.ui.request('approval/decide', { id: request.id, decision: 'once' });
    assertDecision(await pending, 'allow');
    const { records } = await h.ui.request('audit/query', { kind: 'approval.requested', agent: 'coder' });
    assert.equal((records.at(-1)?.data.policy as { rule: { id: string } }).rule.id, 'deploy-needs-a-human');
  });

  test('a policy allow needs no person and yields an invocation that signet verify accepts offline', async () => {
    await h.ui.request('agent/create', { name: 'reader' });
    const result = await h.agent.request('authz/authorize', { ...tool('read_file', { path: 'src/app.ts' }), agent: 'reader' });
    assertDecision(result, 'allow');
    assert.equal(result.chain.length, 1);
    const [minted] = (await h.ui.request('delegation/list', { agent: 'reader', includeInactive: true })).delegations.filter((d) => d.cid === result.chain[0]);
    assert.equal(minted?.source, 'policy');
    assert.equal(minted?.singleUse, true);
    assert.match(minted?.scope ?? '', /reads-of-src/);
    const verify = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'verify', '--invocation', result.invocation, '--proofs', result.proofs.join(',')], { encoding: 'utf8', env: { ...process.env, SIGNET_HOME: h.home } });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^valid:/);
    const { records } = await h.ui.request('audit/query', { kind: 'authorize.allowed', agent: 'reader' });
    assert.equal((records.at(-1)?.data.policy as { rule: { id: string } }).rule.id, 'reads-of-src');
  });

  test('a shell line is decided per simple command: an allowed part does not carry a denied one', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/claude-code', ttl: 3600 });
    const result = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/claude-code/tools/bash', args: { tool: 'Bash', input: { command: 'ls && bash -c "cat ../.env"' } }, workspace: h.workspace });
    assertDecision(result, 'deny');
    assert.match(result.reason, /no-dotenv/);
    const covered = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/claude-code/tools/bash', args: { tool: 'Bash', input: { command: 'ls src' } }, workspace: h.workspace });
    assertDecision(covered, 'allow');
  });
});
