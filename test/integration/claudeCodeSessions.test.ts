// The real Claude Code binary, offline, through the hooks `signet protect` installs: "allow for session" lasts for
// Claude Code's own session (each hook run is a process of its own), and what came of each allowed call (its exit
// status, its output's digest, a written file's digest) is recorded against that call's invocation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256Digest } from '../../daemon/src/hooks/hookOutcomes';
import { hookFileFor } from '../../daemon/src/hooks/hookSettings';
import { protect } from '../../daemon/src/mcp/protectFiles';
import type { ApprovalRequest, AuditRecord } from '../../daemon/src/server/protocol';
import { startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { startMessagesApi, type ScriptedToolUse } from '../fixtures/claudeCode/messagesApi';
import { claudeBinary, runClaude } from '../fixtures/claudeCode/runClaude';

const binary = claudeBinary();

describe('the real Claude Code: sessions and outcomes', { skip: binary ? false : 'the Claude Code binary of @anthropic-ai/claude-agent-sdk is not installed for this platform' }, () => {
  let h: Harness;
  let userHome: string;
  const requests: ApprovalRequest[] = [];
  /** The person's answer: for the session when the command says so, denied when it says refuse, else once. */
  const answerFor = (r: ApprovalRequest) => {
    const command = String((r.args.input as { command?: unknown } | undefined)?.command ?? '');
    return command.includes('for-session') ? 'session' : command.includes('refuse') ? 'deny' : 'once';
  };

  before(async () => {
    let cli: string;
    [h, cli] = await Promise.all([startHarness({ listen: true, approvalTimeoutSeconds: 60 }), builtCli()]);
    userHome = tempDir('signet-claude-home-');
    const file = hookFileFor('claude-code', h.workspace, userHome, 'workspace');
    assert.ok(file);
    await protect({ home: h.home, workspace: h.workspace, userHome, clients: [], hookFiles: [file], launcherTarget: { node: process.execPath, cli } });
    h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      void h.ui.request('approval/decide', { id: r.id, decision: answerFor(r), decidedBy: 'reviewer' });
    });
  });
  after(async () => {
    await h.close();
  });

  async function run(script: ScriptedToolUse[]) {
    const api = await startMessagesApi(script);
    try {
      const result = await runClaude({ binary: binary!, cwd: h.workspace, home: userHome, apiUrl: api.url, prompt: 'Do the scripted work.' });
      return { result, api };
    } finally {
      await api.close();
    }
  }
  const records = async (kind: AuditRecord['kind'], since: number) => (await h.ui.request('audit/query', { kind, since })).records;
  const lastSeq = async () => (await h.ui.request('audit/query', { limit: 1 })).records.at(-1)?.seq ?? 0;

  test('"allow for session" covers the second Bash call of the same session, and not a call of a new session', async () => {
    const asked = requests.length;
    const first = await run([
      { name: 'Bash', input: { command: 'echo for-session', description: 'First' } },
      { name: 'Bash', input: { command: 'echo second-call', description: 'Second' } },
    ]);
    assert.match(first.api.toolResult(0)?.text ?? '', /for-session/, first.result.stderr.slice(0, 2000));
    assert.match(first.api.toolResult(1)?.text ?? '', /second-call/);
    assert.equal(requests.length, asked + 1, 'only the first call of the session was asked for');
    const next = await run([{ name: 'Bash', input: { command: 'echo refuse-in-a-new-session', description: 'Third' } }]);
    assert.equal(requests.length, asked + 2, 'the new session was asked anew');
    assert.match(next.api.toolResult(0)?.text ?? '', /Signet refused Bash: .*reviewer denied/);
  });

  test('each allowed Bash call\'s outcome is recorded against its invocation, with its exit status and output digest', async () => {
    const since = (await lastSeq()) + 1;
    const { api } = await run([
      { name: 'Bash', input: { command: 'echo outcome-ok', description: 'Succeeds' } },
      { name: 'Bash', input: { command: 'echo outcome-fails; exit 3', description: 'Fails' } },
    ]);
    assert.ok(api.toolResult(1), 'Claude Code answered both calls');
    const allowed = await records('authorize.allowed', since);
    const outcomes = await records('call.outcome', since);
    assert.equal(allowed.length, 2);
    assert.equal(outcomes.length, 2, JSON.stringify(outcomes));
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.data.invocation, allowed[i]?.data.invocation, 'the outcome names the invocation of its own call');
      assert.match(String(outcome.data.outputDigest), /^sha256:[0-9a-f]{64}$/);
      assert.match(String(outcome.data.toolUseId), /^toolu_/);
    }
    assert.equal(outcomes[0]?.data.exitStatus, 0);
    assert.equal(outcomes[0]?.data.event, 'PostToolUse');
    assert.equal(outcomes[1]?.data.event, 'PostToolUseFailure');
    assert.equal(outcomes[1]?.data.exitStatus, 3);
  });

  test('a Write\'s outcome records the written file with the digest of its new content', async () => {
    const since = (await lastSeq()) + 1;
    const path = join(h.workspace, 'written.txt');
    await run([{ name: 'Write', input: { file_path: path, content: 'new content\n' } }]);
    assert.equal(readFileSync(path, 'utf8'), 'new content\n');
    const [allowed] = await records('authorize.allowed', since);
    const [outcome] = await records('call.outcome', since);
    assert.equal(outcome?.data.invocation, allowed?.data.invocation);
    assert.deepEqual(outcome?.data.changedFiles, [{ path, digest: sha256Digest('new content\n') }]);
  });
});
