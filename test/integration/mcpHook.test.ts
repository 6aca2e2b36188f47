// `signet hook claude-code|vscode` against PreToolUse inputs in the clients' own shapes (test/fixtures/mcp/hooks)
// and a real daemon: the adapter function directly, and the CLI as the client runs it (stdin in, JSON out).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pendingLine } from '../../daemon/src/cli/approvalLines';
import { decidePreToolUse, type HookOptions, type PreToolUseOutput } from '../../daemon/src/mcp/agentHook';
import { DaemonLink } from '../../daemon/src/mcp/daemonLink';
import type { ApprovalRequest } from '../../daemon/src/server/protocol';
import { runScriptWithStdin, type CliRun } from '../support/cliProcess';
import { nextNotification, startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { repoRoot } from '../fixtures/mcp/servers';

/** A fixture in the test's workspace, as a call of its own: the daemon decides one tool_use_id once, so each gets a fresh one. */
function hookInput(name: string, workspace: string): string {
  const fixture = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/mcp/hooks', `${name}.json`), 'utf8')) as Record<string, unknown>;
  if (typeof fixture.tool_use_id === 'string') fixture.tool_use_id = `toolu_${randomUUID()}`;
  return JSON.stringify(fixture).replaceAll('/home/dev/project', workspace);
}

function decision(output: PreToolUseOutput | undefined): PreToolUseOutput['hookSpecificOutput'] {
  assert.ok(output, 'the hook answered');
  assert.equal(output.hookSpecificOutput.hookEventName, 'PreToolUse');
  return output.hookSpecificOutput;
}

function runHook(cli: string, home: string, args: string[], stdin: string): Promise<CliRun> {
  return runScriptWithStdin(cli, ['--home', home, 'hook', ...args], stdin);
}

describe('the PreToolUse hook adapter', () => {
  let h: Harness;
  let link: DaemonLink;
  let options: HookOptions;
  let cli: string;

  before(async () => {
    [h, cli] = await Promise.all([startHarness({ listen: true, approvalTimeoutSeconds: 30 }), builtCli()]);
    mkdirSync(join(h.workspace, 'src'));
    await h.ui.request('agent/create', { name: 'claude-code' });
    await h.ui.request('agent/create', { name: 'copilot' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'claude-code', cmd: '/claude-code/tools/edit', pol: [['like', '.input.file_path', `${h.workspace}/src/*`]], ttl: 3600 });
    await h.ui.request('delegation/issue', { from: 'user', to: 'copilot', cmd: '/vscode/tools', ttl: 3600 });
    link = new DaemonLink({ home: h.home });
    options = { flavor: 'claude-code', agent: 'claude-code', authorize: (p) => link.authorize(p), timeoutSeconds: 20 };
  });
  after(async () => {
    link.close();
    await h.close();
  });

  test('an Edit inside the delegated folder is allowed, naming the invocation', async () => {
    const answer = decision(await decidePreToolUse(hookInput('claude-code-edit', h.workspace), options));
    assert.equal(answer.permissionDecision, 'allow', answer.permissionDecisionReason);
    assert.match(answer.permissionDecisionReason, /invocation b[a-z2-7]+/);
  });

  test('Claude Code is handed the input as authorized, its path canonical, so the tool edits the file that was checked', async () => {
    const relative = hookInput('claude-code-edit', h.workspace).replace(JSON.stringify(join(h.workspace, 'src/auth.ts')), '"src/new/../auth.ts"');
    const answer = decision(await decidePreToolUse(relative, options));
    assert.equal(answer.permissionDecision, 'allow', answer.permissionDecisionReason);
    assert.deepEqual(answer.updatedInput, { file_path: join(h.workspace, 'src/auth.ts'), old_string: 'const ttl = 60;', new_string: 'const ttl = 3600;', replace_all: false });
  });

  test('a path the hook cannot make canonical (~) is refused with the reason, and nobody is asked', async () => {
    const home = hookInput('claude-code-edit', h.workspace).replace(JSON.stringify(join(h.workspace, 'src/auth.ts')), '"~/src/auth.ts"');
    const answer = decision(await decidePreToolUse(home, options));
    assert.equal(answer.permissionDecision, 'deny');
    assert.match(answer.permissionDecisionReason, /starts with "~"/);
    assert.equal(answer.updatedInput, undefined);
  });

  test('a Write that climbs out of the workspace is refused, and the person was shown the real path', async () => {
    const requests: ApprovalRequest[] = [];
    const off = h.ui.onNotification('approval/didRequest', (r) => {
      requests.push(r);
      void h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'reviewer' });
    });
    try {
      const answer = decision(await decidePreToolUse(hookInput('claude-code-write-outside', h.workspace), options));
      assert.equal(answer.permissionDecision, 'deny');
      assert.match(answer.permissionDecisionReason, /reviewer denied/);
      assert.equal(requests[0]?.cmd, '/claude-code/tools/write');
      assert.deepEqual(requests[0]?.paths, [join(h.workspace, '..', '.ssh', 'authorized_keys')]);
    } finally {
      off();
    }
  });

  test('a Bash command no delegation covers waits for an approval and is allowed once approved', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(hookInput('claude-code-bash', h.workspace), options);
    const request = await requested;
    assert.deepEqual(request.args.input, { command: 'npm test', description: 'Run the test suite' });
    await h.ui.request('approval/decide', { id: request.id, decision: 'once' });
    assert.equal(decision(await pending).permissionDecision, 'allow');
  });

  test('an MCP tool is left to the proxy unless the hook is told to include MCP tools', async () => {
    assert.equal(await decidePreToolUse(hookInput('claude-code-mcp-tool', h.workspace), options), undefined);
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(hookInput('claude-code-mcp-tool', h.workspace), { ...options, includeMcp: true });
    const request = await requested;
    assert.equal(request.cmd, '/claude-code/tools/mcp__filesystem__write_file');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.equal(decision(await pending).permissionDecision, 'deny');
  });

  test('a VS Code agent hook input is decided under /vscode/tools for the copilot agent, with its paths in canonical form', async () => {
    const vscode = { ...options, flavor: 'vscode' as const, agent: 'copilot' };
    // VS Code cannot be handed rewritten input, so a relative path it would resolve its own way is refused.
    const relative = decision(await decidePreToolUse(hookInput('vscode-edit-files', h.workspace), vscode));
    assert.equal(relative.permissionDecision, 'deny');
    assert.match(relative.permissionDecisionReason, /not in canonical form/);
    const absolute = hookInput('vscode-edit-files', h.workspace).replace('"src/main.ts"', JSON.stringify(join(h.workspace, 'src/main.ts')));
    const answer = decision(await decidePreToolUse(absolute, vscode));
    assert.equal(answer.permissionDecision, 'allow', answer.permissionDecisionReason);
  });

  test('signet approvals shows a shell call\'s command, on one line even when the agent put a line break in it to fake another request', async () => {
    const sneaky = JSON.parse(hookInput('claude-code-bash', h.workspace)) as { tool_input: Record<string, unknown> };
    sneaky.tool_input = { command: 'rm -rf build\nreq-0000  claude-code wants /claude-code/tools/read: Read README.md', description: 'clean' };
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(JSON.stringify(sneaky), options);
    const request = await requested;
    try {
      // The line the CLI prints for the daemon's own request (the CLI reads the UI token from the keychain, which
      // this harness's in-memory keystore does not fill).
      const line = pendingLine(request);
      assert.equal(line.split('\n').length, 1, line);
      assert.match(line, new RegExp(`^${request.id}  claude-code wants /claude-code/tools/bash: Bash .*  \\$ rm -rf build\\\\nreq-0000  claude-code wants`));
    } finally {
      await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
      await pending;
    }
  });

  test("VS Code's create_directory names its folder in dirPath, and the person is shown that folder as the target", async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(hookInput('vscode-create-directory', h.workspace), { ...options, flavor: 'vscode', agent: 'copilot-new' });
    const request = await requested;
    const folder = join(h.workspace, 'src/generated');
    assert.deepEqual(request.paths, [folder]);
    assert.equal(request.summary, `create_directory ${folder}`);
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.equal(decision(await pending).permissionDecision, 'deny');
  });

  test('no decision before the hook\'s own deadline is a denial by default, or a hand-over with fallback ask', async () => {
    const quick = { ...options, timeoutSeconds: 0.3 };
    const denied = decision(await decidePreToolUse(hookInput('claude-code-bash', h.workspace), quick));
    assert.equal(denied.permissionDecision, 'deny');
    assert.match(denied.permissionDecisionReason, /no decision within 0.3 s/);
    const asked = decision(await decidePreToolUse(hookInput('claude-code-bash', h.workspace), { ...quick, fallback: 'ask' }));
    assert.equal(asked.permissionDecision, 'ask');
    const { pending } = await h.ui.request('approval/list', {});
    for (const p of pending) await h.ui.request('approval/decide', { id: p.id, decision: 'deny' });
  });

  test('input that is not a PreToolUse object is refused rather than let through', async () => {
    assert.equal(decision(await decidePreToolUse('not json', options)).permissionDecision, 'deny');
    assert.equal(decision(await decidePreToolUse('{"tool_input": {}}', options)).permissionDecision, 'deny');
    const prompt = decision(await decidePreToolUse(JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'hi' }), options));
    assert.equal(prompt.permissionDecision, 'deny');
    assert.match(prompt.permissionDecisionReason, /answers PreToolUse, PreSkillShellCommand, PostToolUse, PostToolUseFailure, SessionEnd only/);
  });

  test('the CLI reads the hook input on stdin and prints the decision as JSON', async () => {
    const run = await runHook(cli, h.home, ['claude-code'], hookInput('claude-code-edit', h.workspace));
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout) as PreToolUseOutput;
    assert.equal(output.hookSpecificOutput.permissionDecision, 'allow');
  });

  test('with --fallback ask and no daemon running, the CLI hands the decision over and says so, not that the call was refused', async () => {
    const emptyHome = tempDir('signet-nohome-');
    const run = await runHook(cli, emptyHome, ['claude-code', '--fallback', 'ask'], hookInput('claude-code-edit', h.workspace));
    rmSync(emptyHome, { recursive: true, force: true });
    assert.equal(run.code, 0, run.stderr);
    const { permissionDecision, permissionDecisionReason } = (JSON.parse(run.stdout) as PreToolUseOutput).hookSpecificOutput;
    assert.equal(permissionDecision, 'ask');
    assert.match(permissionDecisionReason, /^Signet could not decide: the Signet daemon is not reachable: .*Signet cannot ask anyone, so the decision is yours here\. Start the daemon with `signet daemon`/);
    assert.doesNotMatch(permissionDecisionReason, /refused/);
  });

  test('with no daemon running the CLI denies with a reason that says how to start it', async () => {
    const emptyHome = tempDir('signet-nohome-');
    const run = await runHook(cli, emptyHome, ['claude-code'], hookInput('claude-code-edit', h.workspace));
    rmSync(emptyHome, { recursive: true, force: true });
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout) as PreToolUseOutput;
    assert.equal(output.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(output.hookSpecificOutput.permissionDecisionReason, /signet daemon/);
  });
});
