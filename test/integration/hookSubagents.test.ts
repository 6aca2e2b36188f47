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
  /** The fixture's type is Claude Code's built-in "Explore". */
  const explore = subagentName('claude-code', subagentReadCall.agent_type);
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
    assert.equal(subagentName('claude-code', 'code-reviewer'), 'claude-code.code-reviewer', 'a type in agent-name form is kept as it is');
    assert.match(subagentName('claude-code', '../Code Reviewer/x.y'), /^claude-code\.code-reviewer-x-y\.[0-9a-f]{16}$/);
    assert.match(subagentName('claude-code', '...'), /^claude-code\.subagent\.[0-9a-f]{16}$/);
    for (const type of ['a'.repeat(200), 'Explore', '']) assert.match(subagentName('claude-code', type), /^[a-z0-9][a-z0-9._-]{0,63}$/, 'a valid agent name');
    assert.ok(subagentName('m'.repeat(64), 'x').length <= 64);
  });

  test('types that differ only in what sanitising folds or removes are different agents', () => {
    const groups = [
      ['Explore', 'explore', 'EXPLORE'],
      ['code reviewer', 'code/reviewer', 'code-reviewer', 'code--reviewer', '-code-reviewer'],
      [`${'a'.repeat(60)}1`, `${'a'.repeat(60)}2`],
    ];
    for (const types of groups) {
      const names = types.map((t) => subagentName('claude-code', t));
      assert.equal(new Set(names).size, types.length, names.join(', '));
    }
    // A clean type that spells another's hashed name keeps no `.`: it cannot take that name.
    const hashed = subagentName('claude-code', 'Explore');
    assert.notEqual(subagentName('claude-code', hashed.slice('claude-code.'.length)), hashed);
    assert.notEqual(subagentName('m'.repeat(60), 'x'), subagentName(`${'m'.repeat(59)}n`, 'x'), 'long main names cut to fit still differ');
  });

  test('what the main agent holds does not silently cover its subagent: the person is asked, seeing whom it acts for', async () => {
    const main = await h.ui.request('agent/create', { name: 'claude-code' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'claude-code', cmd: '/claude-code/tools/read', ttl: 3600 });
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(call(), options);
    const request = await requested;
    assert.equal(request.agent.name, explore);
    assert.deepEqual(request.actingFor, [{ did: main.did, name: 'claude-code' }]);
    const decided = await h.ui.request('approval/decide', { id: request.id, decision: 'ttl', ttlSeconds: 600 });
    // The main agent already holds reads, so it delegates the person's choice below what it holds.
    assert.equal(decided.delegation?.issuer.name, 'claude-code');
    assert.equal(decided.delegation?.audience.name, explore);
    assert.equal(decided.delegation?.source, 'subagent');
    const answer = await pending;
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'allow', answer?.hookSpecificOutput.permissionDecisionReason);
    assert.match(answer?.hookSpecificOutput.permissionDecisionReason ?? '', new RegExp(`${explore.replaceAll('.', '\\.')}, acting for claude-code`));
  });

  test('the subagent\'s later calls run under the chain user → main → subagent, and revoking main\'s delegation cuts it off', async () => {
    const allowed = await link.authorize({ agent: explore, actingFor: 'claude-code', cmd: '/claude-code/tools/read', args: { tool: 'Read', input: { file_path: join(h.workspace, 'README.md') } }, workspace: h.workspace });
    assert.equal(allowed.decision, 'allow');
    assert.ok(allowed.decision === 'allow' && allowed.chain.length === 2);
    const { delegations } = await h.ui.request('delegation/list', { agent: 'claude-code' });
    const mains = delegations.filter((d) => d.issuer.name === 'user' && d.audience.name === 'claude-code');
    for (const d of mains) await h.ui.request('delegation/revoke', { cid: d.cid });
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(call(), options);
    const request = await requested;
    assert.equal(request.agent.name, explore);
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
    const { delegations } = await h.ui.request('delegation/list', { agent: explore, includeInactive: true });
    const onward = delegations.find((d) => d.parent === decided.delegation?.cid);
    assert.equal(onward?.issuer.name, 'claude-code');
    assert.equal(onward?.audience.name, explore);
    assert.equal(onward?.singleUse, true);
  });
  test('an approval for one subagent type does not cover a type that differs from it only in case', async () => {
    const typed = (agentType: string) => call().replace('"agent_type":"Explore"', `"agent_type":"${agentType}"`);
    const first = nextNotification(h.ui, 'approval/didRequest');
    const allowed = decidePreToolUse(typed('Reviewer'), options);
    await h.ui.request('approval/decide', { id: (await first).id, decision: 'ttl', ttlSeconds: 600 });
    assert.equal((await allowed)?.hookSpecificOutput.permissionDecision, 'allow');
    const second = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(typed('reviewer'), options);
    const seen = await Promise.race([second.then((request) => ({ request })), pending.then((answer) => ({ answer }))]);
    assert.ok('request' in seen, `the other type was let through unasked: ${JSON.stringify(seen)}`);
    assert.equal(seen.request.agent.name, 'claude-code.reviewer');
    assert.notEqual(seen.request.agent.name, subagentName('claude-code', 'Reviewer'));
    await h.ui.request('approval/decide', { id: seen.request.id, decision: 'deny' });
    assert.equal((await pending)?.hookSpecificOutput.permissionDecision, 'deny');
  });
});
