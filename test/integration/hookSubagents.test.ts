// A Claude Code subagent's calls, through the hook and a real daemon: each subagent type is its own Signet agent,
// whose rights are delegated by the session's main agent, never borrowed from it silently.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decidePreToolUse, subagentName, type HookOptions } from '../../daemon/src/mcp/agentHook';
import { DaemonLink } from '../../daemon/src/mcp/daemonLink';
import { nextNotification, startHarness, type Harness } from '../support/daemonHarness';
import { subagentReadCall } from '../fixtures/hooks/claudeCodeInputs';

describe('subagents as delegated agents', () => {
  let h: Harness;
  let link: DaemonLink;
  let options: HookOptions;
  // Each call a call of its own, as Claude Code gives each its own tool_use_id (the daemon decides one id once).
  const call = () => JSON.stringify({ ...subagentReadCall, tool_use_id: `toolu_${randomUUID()}` }).replaceAll('/home/dev/project', h.workspace);

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 30 });
    writeFileSync(join(h.workspace, 'README.md'), '# readme\n');
    link = new DaemonLink({ home: h.home });
    options = { flavor: 'claude-code', agent: 'claude-code', authorize: (p) => link.authorize(p), timeoutSeconds: 20 };
  });
  after(async () => {
    link.close();
    await h.close();
  });

  test('a subagent type becomes an agent name of its own that no agent_type can bend', () => {
    assert.equal(subagentName('claude-code', 'Explore'), 'claude-code.explore');
    assert.equal(subagentName('claude-code', '../Code Reviewer/x.y'), 'claude-code.code-reviewer-x-y');
    assert.equal(subagentName('claude-code', '...'), 'claude-code.subagent');
    assert.ok(subagentName('claude-code', 'a'.repeat(200)).length <= 64);
  });

  test('what the main agent holds does not silently cover its subagent: the person is asked, seeing whom it acts for', async () => {
    const main = await h.ui.request('agent/create', { name: 'claude-code' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'claude-code', cmd: '/claude-code/tools/read', ttl: 3600 });
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(call(), options);
    const request = await requested;
    assert.equal(request.agent.name, 'claude-code.explore');
    assert.deepEqual(request.actingFor, [{ did: main.did, name: 'claude-code' }]);
    const decided = await h.ui.request('approval/decide', { id: request.id, decision: 'ttl', ttlSeconds: 600 });
    // The main agent already holds reads, so it delegates the person's choice below what it holds.
    assert.equal(decided.delegation?.issuer.name, 'claude-code');
    assert.equal(decided.delegation?.audience.name, 'claude-code.explore');
    assert.equal(decided.delegation?.source, 'subagent');
    const answer = await pending;
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'allow', answer?.hookSpecificOutput.permissionDecisionReason);
    assert.match(answer?.hookSpecificOutput.permissionDecisionReason ?? '', /claude-code\.explore, acting for claude-code/);
  });

  test('the subagent\'s later calls run under the chain user → main → subagent, and revoking main\'s delegation cuts it off', async () => {
    const allowed = await link.authorize({ agent: 'claude-code.explore', actingFor: 'claude-code', cmd: '/claude-code/tools/read', args: { tool: 'Read', input: { file_path: join(h.workspace, 'README.md') } }, workspace: h.workspace });
    assert.equal(allowed.decision, 'allow');
    assert.ok(allowed.decision === 'allow' && allowed.chain.length === 2);
    const { delegations } = await h.ui.request('delegation/list', { agent: 'claude-code' });
    const mains = delegations.filter((d) => d.issuer.name === 'user' && d.audience.name === 'claude-code');
    for (const d of mains) await h.ui.request('delegation/revoke', { cid: d.cid });
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(call(), options);
    const request = await requested;
    assert.equal(request.agent.name, 'claude-code.explore');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.equal((await pending)?.hookSpecificOutput.permissionDecision, 'deny');
  });

  test('approving a subagent\'s request when main holds nothing mints user → main and main → subagent', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(call(), options);
    const request = await requested;
    const decided = await h.ui.request('approval/decide', { id: request.id, decision: 'once' });
    assert.equal(decided.delegation?.issuer.name, 'user');
    assert.equal(decided.delegation?.audience.name, 'claude-code');
    assert.equal((await pending)?.hookSpecificOutput.permissionDecision, 'allow');
    const { delegations } = await h.ui.request('delegation/list', { agent: 'claude-code.explore', includeInactive: true });
    const onward = delegations.find((d) => d.parent === decided.delegation?.cid);
    assert.equal(onward?.issuer.name, 'claude-code');
    assert.equal(onward?.audience.name, 'claude-code.explore');
    assert.equal(onward?.singleUse, true);
  });
});
