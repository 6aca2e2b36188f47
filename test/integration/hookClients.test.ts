// `signet hook cursor` and the Claude Code hook's skill-shell event against a real daemon, from fixtures in the
// clients' published shapes; and `signet protect` installing hooks through the CLI (dry run, discovery, undo).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decideCursorHook, type CursorHookOptions } from '../../daemon/src/hooks/cursorHook';
import { isSignetHookCommand } from '../../daemon/src/hooks/hookSettings';
import { decidePreToolUse } from '../../daemon/src/mcp/agentHook';
import { DaemonLink } from '../../daemon/src/mcp/daemonLink';
import { parseConfig } from '../../daemon/src/mcp/protectConfig';
import { nextNotification, startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { skillShellLine } from '../fixtures/hooks/claudeCodeInputs';
import { cursorMcp, cursorPrompt, cursorProxiedMcp, cursorRead, cursorShell, cursorStdin } from '../fixtures/hooks/cursorInputs';

function runCli(cli: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('the Cursor hook and the skill-shell event', () => {
  let h: Harness;
  let link: DaemonLink;
  let cursor: CursorHookOptions;

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 30 });
    await h.ui.request('agent/create', { name: 'cursor' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'cursor', cmd: '/cursor/tools/shell', pol: [['==', '.input.command', 'npm test']], ttl: 3600 });
    link = new DaemonLink({ home: h.home });
    cursor = { agent: 'cursor', authorize: (p) => link.authorize(p), timeoutSeconds: 20 };
  });
  after(async () => {
    link.close();
    await h.close();
  });

  test('a delegated shell command is allowed with Cursor\'s own output, naming the invocation', async () => {
    const answer = await decideCursorHook(cursorStdin(cursorShell, h.workspace), cursor);
    assert.equal(answer?.permission, 'allow', answer?.user_message);
    assert.match(answer?.agent_message ?? '', /invocation b[a-z2-7]+/);
  });

  test('a read of a file nobody allowed is asked for, and a denial answers with a permission only', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decideCursorHook(cursorStdin(cursorRead, h.workspace), cursor);
    const request = await requested;
    assert.equal(request.cmd, '/cursor/tools/read');
    assert.deepEqual(request.paths, [join(h.workspace, 'notes.txt')]);
    assert.equal(JSON.stringify(request.args).includes('SECRET'), false, 'the file content is not sent to Signet');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.deepEqual(await pending, { permission: 'deny' });
  });

  test('an MCP call is decided as its tool, unless its server already runs behind the proxy', async () => {
    assert.equal((await decideCursorHook(cursorStdin(cursorProxiedMcp, h.workspace), cursor))?.permission, 'allow');
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decideCursorHook(cursorStdin(cursorMcp, h.workspace), cursor);
    const request = await requested;
    assert.equal(request.cmd, '/cursor/tools/mcp__write_file');
    assert.deepEqual((request.args.input as Record<string, unknown>).path, join(h.workspace, 'a.txt'));
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny', decidedBy: 'reviewer' });
    const answer = await pending;
    assert.equal(answer?.permission, 'deny');
    assert.match(answer?.agent_message ?? '', /reviewer denied/);
  });

  test('an event Signet neither decides nor records, or input that is not JSON at all, is denied rather than let through', async () => {
    assert.equal((await decideCursorHook('not json', cursor))?.permission, 'deny');
    assert.equal((await decideCursorHook(cursorStdin(cursorPrompt, h.workspace), cursor))?.permission, 'deny');
  });

  test('a slash command\'s ! line is asked for as the shell command it is, with the skill named, and the answer is for that event', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = decidePreToolUse(JSON.stringify(skillShellLine).replaceAll('/home/dev/project', h.workspace), { flavor: 'claude-code', agent: 'claude-code', authorize: (p) => link.authorize(p), timeoutSeconds: 20 });
    const request = await requested;
    assert.equal(request.cmd, '/claude-code/tools/bash');
    assert.deepEqual(request.args.via, { skill: 'review', invokedBy: 'user' });
    await h.ui.request('approval/decide', { id: request.id, decision: 'once' });
    const answer = await pending;
    assert.equal(answer?.hookSpecificOutput.hookEventName, 'PreSkillShellCommand');
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'allow');
    assert.equal(answer?.hookSpecificOutput.updatedInput, undefined, 'an updatedInput would keep the command from running');
  });
});

describe('signet protect installing hooks from the command line', () => {
  let cli: string;
  before(async () => {
    cli = await builtCli();
  });

  test('a dry run prints the hooks it would add and writes nothing; the real run writes them; undo removes the file it created', async () => {
    const home = tempDir('signet-hooks-home-');
    const workspace = tempDir('signet-hooks-ws-');
    const userHome = tempDir('signet-hooks-user-');
    const env = { HOME: userHome };
    const settings = join(workspace, '.claude', 'settings.json');
    const dry = await runCli(cli, ['--home', home, 'protect', '--client', 'claude-code', '--workspace', workspace, '--dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /PreToolUse: installed/);
    assert.match(dry.stdout, /\+.*signet-hook --home \S+ claude-code/);
    assert.equal(existsSync(settings), false);
    const real = await runCli(cli, ['--home', home, 'protect', '--client', 'claude-code', '--workspace', workspace], { env });
    assert.equal(real.code, 0, real.stderr);
    const hooks = parseConfig(readFileSync(settings, 'utf8'), settings).hooks as Record<string, { hooks: { command: string }[] }[]>;
    const command = hooks.PreToolUse?.[0]?.hooks[0]?.command ?? '';
    assert.ok(isSignetHookCommand(command));
    assert.ok(command.startsWith(`'${join(home, 'bin', 'signet-hook')}' `) || command.startsWith(`${join(home, 'bin', 'signet-hook')} `), command);
    assert.ok(existsSync(join(home, 'bin', 'signet-hook')), 'protect wrote the hooks\' launcher it names');
    const again = await runCli(cli, ['--home', home, 'protect', '--client', 'claude-code', '--workspace', workspace], { env });
    assert.match(again.stdout, /already protected/);
    const undo = await runCli(cli, ['--home', home, 'protect', '--client', 'claude-code', '--workspace', workspace, '--undo'], { env });
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /restored/);
    assert.equal(existsSync(settings), false);
  });

  test('without --client, hooks go to each client found in the workspace and the home, and the user\'s file keeps its settings', async () => {
    const home = tempDir('signet-hooks-home-');
    const workspace = tempDir('signet-hooks-ws-');
    const userHome = tempDir('signet-hooks-user-');
    mkdirSync(join(workspace, '.cursor'));
    mkdirSync(join(userHome, '.claude'));
    writeFileSync(join(userHome, '.claude', 'settings.json'), '{ "theme": "dark" }\n');
    const run = await runCli(cli, ['--home', home, 'protect', '--workspace', workspace], { env: { HOME: userHome } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(workspace, '.cursor', 'hooks.json')));
    assert.equal(existsSync(join(workspace, '.claude', 'settings.json')), false);
    assert.equal(existsSync(join(workspace, '.github', 'hooks', 'signet.json')), false);
    const user = parseConfig(readFileSync(join(userHome, '.claude', 'settings.json'), 'utf8'), 'x');
    assert.equal(user.theme, 'dark');
    assert.ok(user.hooks);
  });
});
