// The real Claude Code binary, offline against a loopback stand-in for the Messages API, with its hooks installed
// by `signet protect --client claude-code` and a real daemon deciding: what runs, what is refused and what the
// model is told, and that a broken launcher blocks the tool instead of letting it run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hookFileFor } from '../../daemon/src/hooks/hookSettings';
import { subagentName } from '../../daemon/src/mcp/agentHook';
import { protect } from '../../daemon/src/mcp/protectFiles';
import type { ApprovalRequest } from '../../daemon/src/server/protocol';
import { startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { startMessagesApi, type ScriptedToolUse } from '../fixtures/claudeCode/messagesApi';
import { claudeBinary, runClaude } from '../fixtures/claudeCode/runClaude';

const binary = claudeBinary();

describe('the real Claude Code through the hooks signet protect installs', { skip: binary ? false : 'the Claude Code binary of @anthropic-ai/claude-agent-sdk is not installed for this platform' }, () => {
  let h: Harness;
  let cli: string;
  let userHome: string;
  const requests: ApprovalRequest[] = [];

  before(async () => {
    [h, cli] = await Promise.all([startHarness({ listen: true, approvalTimeoutSeconds: 60 }), builtCli()]);
    userHome = tempDir('signet-claude-home-');
    const file = hookFileFor('claude-code', h.workspace, userHome, 'workspace');
    assert.ok(file);
    const report = await protect({ home: h.home, workspace: h.workspace, userHome, clients: [], hookFiles: [file], launcherTarget: { node: process.execPath, cli } });
    assert.equal(report.hooks?.[0]?.status, 'changed');
    // The person at the editor, as a reviewer: denies any write and any command that says refuse-me, allows the rest once.
    h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      const command = String((r.args.input as { command?: unknown } | undefined)?.command ?? '');
      const decision = r.cmd === '/claude-code/tools/write' || command.includes('refuse-me') ? 'deny' : 'once';
      void h.ui.request('approval/decide', { id: r.id, decision, decidedBy: 'reviewer' });
    });
  });
  after(async () => {
    await h.close();
  });

  async function run(script: ScriptedToolUse[], prompt = 'Do the scripted work.') {
    const api = await startMessagesApi(script);
    try {
      const result = await runClaude({ binary: binary!, cwd: h.workspace, home: userHome, apiUrl: api.url, prompt });
      return { result, api };
    } finally {
      await api.close();
    }
  }

  test('an approved Bash command runs, and a denied Write reaches the model with Signet\'s reason while the file stays untouched', async () => {
    writeFileSync(join(h.workspace, 'notes.txt'), 'original\n');
    const { result, api } = await run([
      { name: 'Bash', input: { command: 'echo signet-ran > ran.txt', description: 'Write a marker' } },
      { name: 'Write', input: { file_path: join(h.workspace, 'notes.txt'), content: 'overwritten\n' } },
    ]);
    assert.ok(api.toolResult(0), `Claude Code answered the Bash call (exit ${result.code}): ${result.stderr.slice(0, 2000)}`);
    assert.equal(readFileSync(join(h.workspace, 'ran.txt'), 'utf8'), 'signet-ran\n');
    const write = api.toolResult(1);
    assert.ok(write, 'Claude Code answered the Write call');
    assert.match(write.text, /Signet refused Write: .*reviewer denied/);
    assert.equal(readFileSync(join(h.workspace, 'notes.txt'), 'utf8'), 'original\n');
    assert.deepEqual(requests.slice(-2).map((r) => r.cmd), ['/claude-code/tools/bash', '/claude-code/tools/write']);
  });

  test('a slash command\'s ! line is asked for before it runs: approved, its output reaches the model; refused, it never runs', async () => {
    mkdirSync(join(h.workspace, '.claude', 'commands'), { recursive: true });
    // Claude Code's own check refuses a `!` line that writes a file before any hook runs; printf leaves its trace in
    // the prompt instead: the output ("skill-ran") differs from the line's text ("skill-%s").
    const commandFile = (word: string) => `---\nallowed-tools: Bash(printf:*)\ndescription: a scripted command\n---\nContext: !\`printf 'skill-%s' ${word}\`\n\nSay done.\n`;
    writeFileSync(join(h.workspace, '.claude', 'commands', 'marker.md'), commandFile('ran'));
    writeFileSync(join(h.workspace, '.claude', 'commands', 'refused.md'), commandFile('refuse-me'));
    const before = requests.length;
    const approved = await run([], '/marker');
    assert.match(JSON.stringify(approved.api.requests[0]?.messages ?? approved.result.events), /skill-ran/);
    const refused = await run([], '/refused');
    assert.doesNotMatch(JSON.stringify(refused.api.requests[0]?.messages ?? []), /skill-refuse-me/);
    assert.doesNotMatch(JSON.stringify(refused.result.events), /skill-refuse-me/);
    const asked = requests.slice(before);
    assert.deepEqual(asked.map((r) => [r.cmd, r.args.via]), [
      ['/claude-code/tools/bash', { skill: 'marker', invokedBy: 'user' }],
      ['/claude-code/tools/bash', { skill: 'refused', invokedBy: 'user' }],
    ]);
  });

  test('a real subagent\'s call is made as its own agent, under a delegation from the main agent', async () => {
    writeFileSync(join(h.workspace, 'README.md'), '# the readme\n');
    // Claude Code's built-in type is "Explore": folded to lowercase, so its agent carries the type's hash.
    const explore = subagentName('claude-code', 'Explore');
    assert.match(explore, /^claude-code\.explore\.[0-9a-f]{16}$/);
    const before = requests.length;
    const { api, result } = await run([
      { name: 'Agent', input: { description: 'Read the readme', prompt: 'Read README.md and report.', subagent_type: 'Explore', run_in_background: false } },
      { name: 'Read', input: { file_path: join(h.workspace, 'README.md') } },
    ]);
    const asked = requests.slice(before).map((r) => [r.agent.name, r.cmd, r.actingFor.map((p) => p.name)]);
    assert.deepEqual(asked, [
      ['claude-code', '/claude-code/tools/agent', []],
      [explore, '/claude-code/tools/read', ['claude-code']],
    ], result.stderr.slice(0, 2000));
    assert.match(api.toolResult(1)?.text ?? '', /the readme/);
    const { delegations } = await h.ui.request('delegation/list', { agent: explore, includeInactive: true });
    assert.ok(delegations.some((d) => d.issuer.name === 'claude-code' && d.audience.name === explore && d.cmd === '/claude-code/tools/read'));
  });

  test('with the launcher broken, the hook cannot run and the tool is blocked rather than run', async () => {
    const launcher = join(h.home, 'bin', 'signet-hook');
    const working = readFileSync(launcher, 'utf8');
    writeFileSync(launcher, '#!/bin/sh\nexit 1\n');
    try {
      const { api } = await run([{ name: 'Bash', input: { command: 'echo should-not-run > blocked.txt', description: 'Must not run' } }]);
      const answer = api.toolResult(0);
      assert.ok(answer, 'Claude Code answered the Bash call');
      assert.match(answer.text, /Signet could not run its hook .* so the call is blocked/);
      assert.equal(existsSync(join(h.workspace, 'blocked.txt')), false);
    } finally {
      writeFileSync(launcher, working);
    }
  });
});
