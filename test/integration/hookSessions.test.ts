// Hook sessions, outcomes and dedupe against a real daemon, through the hooks' own lean link (hookDaemon.ts) and
// the lean entry point as a process: a session approval lasts for the client's session and no further, an
// outcome is recorded against the call it belongs to, and one call asked twice is decided once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decideCursorHook } from '../../daemon/src/hooks/cursorHook';
import { hookDaemon, type HookDaemon } from '../../daemon/src/hooks/hookDaemon';
import { sha256Digest } from '../../daemon/src/hooks/hookOutcomes';
import { decidePreToolUse, type HookOptions } from '../../daemon/src/mcp/agentHook';
import type { ApprovalDecision, ApprovalRequest, AuditRecord } from '../../daemon/src/server/protocol';
import { startHarness, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { bashFailure, bashOutcome, sessionEnd } from '../fixtures/hooks/claudeCodeInputs';
import { cursorAfterEdit, cursorAfterShell, cursorShell, cursorStdin } from '../fixtures/hooks/cursorInputs';

describe('hook sessions, outcomes and one decision per call', () => {
  let h: Harness;
  let daemon: HookDaemon;
  let claude: HookOptions;
  /** What the person at the editor answers next, and the requests they were shown. */
  let nextDecision: ApprovalDecision = 'deny';
  const requests: ApprovalRequest[] = [];

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 30 });
    daemon = hookDaemon(h.home);
    claude = { flavor: 'claude-code', agent: 'claude-code', authorize: daemon.authorize, report: daemon, timeoutSeconds: 20 };
    h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      void h.ui.request('approval/decide', { id: r.id, decision: nextDecision });
    });
  });
  after(async () => {
    daemon.close();
    await h.close();
  });

  const bash = (session: string, command: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ session_id: session, transcript_path: '/tmp/t.jsonl', cwd: h.workspace, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: `toolu_${randomUUID()}`, ...extra });
  const decisionOf = async (stdin: string, options = claude) => (await decidePreToolUse(stdin, options))?.hookSpecificOutput;
  const records = async (kind: AuditRecord['kind']) => (await h.ui.request('audit/query', { kind })).records;

  test('"allow for session" covers the next call of the same client session and nothing of another session, client or agent', async () => {
    const session = `s-${randomUUID()}`;
    nextDecision = 'session';
    const before = requests.length;
    assert.equal((await decisionOf(bash(session, 'ls -la')))?.permissionDecision, 'allow');
    assert.equal(requests.length, before + 1, 'the first call was asked for');
    nextDecision = 'deny';
    // Each hook run is its own process and connection; the session is the client's.
    const second = hookDaemon(h.home);
    try {
      assert.equal((await decisionOf(bash(session, 'ls -la'), { ...claude, authorize: second.authorize }))?.permissionDecision, 'allow');
    } finally {
      second.close();
    }
    assert.equal(requests.length, before + 1, 'the second call of the session was not asked for');
    assert.equal((await decisionOf(bash(`s-${randomUUID()}`, 'ls -la')))?.permissionDecision, 'deny', 'a new session is asked anew');
    assert.equal((await decisionOf(bash(session, 'ls -la'), { ...claude, agent: 'other-agent' }))?.permissionDecision, 'deny', 'another agent in the same session is not covered');
    const viaCursor = await decideCursorHook(cursorStdin({ ...cursorShell, conversation_id: session, command: 'ls -la' }, h.workspace), { agent: 'claude-code', authorize: daemon.authorize, timeoutSeconds: 20 });
    assert.equal(viaCursor?.permission, 'deny', 'the same session id from another client is not covered');
    assert.equal(requests.length, before + 4);
  });

  test('the client\'s SessionEnd revokes the session\'s approvals, and a later call of that session is asked again', async () => {
    const session = `s-${randomUUID()}`;
    nextDecision = 'session';
    assert.equal((await decisionOf(bash(session, 'pwd')))?.permissionDecision, 'allow');
    await decidePreToolUse(JSON.stringify({ ...sessionEnd, session_id: session, cwd: h.workspace }), claude);
    const revoked = (await records('delegation.revoked')).at(-1);
    assert.match(String(revoked?.data.reason), /the claude-code session ended \(prompt_input_exit\)/);
    nextDecision = 'deny';
    assert.equal((await decisionOf(bash(session, 'pwd')))?.permissionDecision, 'deny');
  });

  test('a PostToolUse outcome is recorded against the invocation of the allowed call, with its exit status and output digest', async () => {
    nextDecision = 'once';
    const session = `s-${randomUUID()}`;
    const id = `toolu_${randomUUID()}`;
    const pre = await decisionOf(bash(session, 'echo hi', { tool_use_id: id }));
    const invocation = /invocation (b[a-z2-7]+)/.exec(pre?.permissionDecisionReason ?? '')?.[1];
    assert.ok(invocation, pre?.permissionDecisionReason);
    const response = { stdout: 'hi\n', stderr: '', interrupted: false, isImage: false };
    const post = { ...bashOutcome, session_id: session, cwd: h.workspace, tool_input: { command: 'echo hi' }, tool_response: response, tool_use_id: id };
    assert.equal(await decidePreToolUse(JSON.stringify(post), claude), undefined, 'a report prints nothing');
    const outcome = (await records('call.outcome')).at(-1);
    assert.equal(outcome?.data.invocation, invocation);
    assert.equal(outcome?.data.exitStatus, 0);
    assert.equal(outcome?.data.outputDigest, sha256Digest(JSON.stringify(response)));
    assert.equal(outcome?.data.toolUseId, id);
  });

  test('an outcome that names no call Signet allowed is recorded as such, never attached to another call', async () => {
    const post = { ...bashFailure, session_id: 'nobody', cwd: h.workspace, tool_use_id: `toolu_${randomUUID()}` };
    await decidePreToolUse(JSON.stringify(post), claude);
    const outcome = (await records('call.outcome')).at(-1);
    assert.equal(outcome?.data.invocation, null);
    assert.match(String(outcome?.data.unmatched), /no call of this agent, client and session/);
    assert.equal(outcome?.data.exitStatus, 1);
    assert.equal(outcome?.data.failed, true);
  });

  test('Copilot\'s call through the .claude hook is told apart by its shape, and asked by both hook files it is decided and recorded once', async () => {
    nextDecision = 'once';
    const id = `toolu_${randomUUID()}`;
    const copilot = { timestamp: new Date().toISOString(), cwd: h.workspace, sessionId: `vs-${randomUUID()}`, hookEventName: 'PreToolUse', transcript_path: '/tmp/t.jsonl', tool_name: 'run_in_terminal', tool_input: { command: 'git status' }, tool_use_id: id };
    const before = requests.length;
    const allowedBefore = (await records('authorize.allowed')).length;
    // VS Code runs .github/hooks/signet.json (signet-hook vscode) and .claude/settings.json (signet-hook claude-code) side by side.
    const [fromVscodeFile, fromClaudeFile] = await Promise.all([
      decisionOf(JSON.stringify(copilot), { ...claude, flavor: 'vscode', agent: 'copilot' }),
      decisionOf(JSON.stringify(copilot), claude),
    ]);
    assert.equal(fromVscodeFile?.permissionDecision, 'allow');
    assert.equal(fromClaudeFile?.permissionDecision, 'allow');
    assert.equal(fromClaudeFile?.permissionDecisionReason, fromVscodeFile?.permissionDecisionReason, 'the same invocation');
    assert.equal(requests.length, before + 1, 'one prompt');
    assert.equal(requests.at(-1)?.cmd, '/vscode/tools/run_in_terminal');
    assert.equal(requests.at(-1)?.agent.name, 'copilot');
    assert.equal((await records('authorize.allowed')).length, allowedBefore + 1, 'one allowed record');
    const post = JSON.stringify({ ...copilot, hookEventName: 'PostToolUse', tool_response: 'ok' });
    await Promise.all([decidePreToolUse(post, { ...claude, flavor: 'vscode', agent: 'copilot' }), decidePreToolUse(post, claude)]);
    const outcomes = (await records('call.outcome')).filter((r) => r.data.toolUseId === id);
    assert.equal(outcomes.length, 1, 'one outcome record');
    assert.match(fromVscodeFile?.permissionDecisionReason ?? '', new RegExp(String(outcomes[0]?.data.invocation)));
  });

  test('Cursor\'s after-events: a shell command\'s outcome goes to its call; an edit Signet never decided is recorded with its digest and no call', async () => {
    nextDecision = 'once';
    const cursor = { agent: 'cursor', authorize: daemon.authorize, report: daemon, timeoutSeconds: 20 };
    const conversation = `c-${randomUUID()}`;
    const allowed = await decideCursorHook(cursorStdin({ ...cursorShell, conversation_id: conversation }, h.workspace), cursor);
    const invocation = /invocation (b[a-z2-7]+)/.exec(allowed?.agent_message ?? '')?.[1];
    assert.ok(invocation, allowed?.agent_message);
    assert.equal(await decideCursorHook(cursorStdin({ ...cursorAfterShell, conversation_id: conversation }, h.workspace), cursor), undefined);
    const shell = (await records('call.outcome')).at(-1);
    assert.equal(shell?.data.invocation, invocation);
    assert.equal(shell?.data.outputDigest, sha256Digest(JSON.stringify('ok')));
    writeFileSync(join(h.workspace, 'notes.txt'), 'edited\n');
    await decideCursorHook(cursorStdin({ ...cursorAfterEdit, conversation_id: conversation }, h.workspace), cursor);
    const edit = (await records('call.outcome')).at(-1);
    assert.equal(edit?.data.invocation, null);
    assert.deepEqual(edit?.data.changedFiles, [{ path: join(h.workspace, 'notes.txt'), digest: sha256Digest('edited\n') }]);
  });

  test('the lean entry point answers as `signet hook` does, from its own bundle beside the CLI', async () => {
    const cli = await builtCli();
    nextDecision = 'once';
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(dirname(cli), 'hook.js'), '--home', h.home, 'claude-code'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(bash(`s-${randomUUID()}`, 'uname'));
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision, 'allow');
    assert.doesNotMatch(readFileSync(join(dirname(cli), 'hook.js'), 'utf8'), /node_modules\/(zod|commander)\//, 'no schema library and no CLI framework in the bundle');
  });
});
