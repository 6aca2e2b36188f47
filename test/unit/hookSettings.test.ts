import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseConfig } from '../../daemon/src/mcp/protectConfig';
import { decidedHookEvents, hookCommandLine, hookEvents, homeRelativeShellPath, installHooksText, isSignetHookCommand, signetEntry, type HookCommandOptions } from '../../daemon/src/hooks/hookSettings';
import { decodedWindowsHookCommand, windowsHomeRelativePath } from '../../daemon/src/hooks/windowsHookCommand';

const options = (client: HookCommandOptions['client']): HookCommandOptions => ({ client, launcher: '/home/u/.signet/bin/signet-hook', home: '/home/u/.signet', userHome: '/home/u', platform: 'linux' });
type Json = Record<string, unknown>;

function hooksOf(text: string): Record<string, Json[]> {
  return parseConfig(text, 'x.json').hooks as Record<string, Json[]>;
}

describe('installing Signet\'s hooks into a client\'s settings', () => {
  test('Claude Code gets PreToolUse and PreSkillShellCommand entries that block when the hook fails, and PostToolUse, PostToolUseFailure and SessionEnd entries that report', () => {
    const { text, events } = installHooksText('', '.claude/settings.json', options('claude-code'));
    assert.deepEqual(events.map((e) => [e.event, e.action]), ['PreToolUse', 'PreSkillShellCommand', 'PostToolUse', 'PostToolUseFailure', 'SessionEnd'].map((e) => [e, 'installed']));
    const hooks = hooksOf(text);
    for (const event of hookEvents['claude-code']) {
      const entry = (hooks[event]?.[0]?.hooks as Json[])[0];
      assert.equal(entry?.onFailure, decidedHookEvents['claude-code'].includes(event) ? 'block' : undefined, event);
      assert.equal(entry?.type, 'command');
      assert.ok(isSignetHookCommand(entry?.command));
    }
  });

  test('Cursor gets failClosed entries for shell, MCP and reads, reporting entries for its after-events, and a version', () => {
    const config = parseConfig(installHooksText('', '.cursor/hooks.json', options('cursor')).text, 'x');
    assert.equal(config.version, 1);
    for (const event of ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile']) {
      const entry = (config.hooks as Record<string, Json[]>)[event]?.[0];
      assert.equal(entry?.failClosed, true);
      assert.match(String(entry?.command), /signet-hook" --home "\$HOME\/\.signet" cursor /);
    }
    for (const event of ['afterShellExecution', 'afterMCPExecution', 'afterFileEdit']) {
      const entry = (config.hooks as Record<string, Json[]>)[event]?.[0];
      assert.equal(entry?.failClosed, undefined, 'a report has nothing to block');
      assert.ok(isSignetHookCommand(entry?.command), event);
    }
  });

  test('VS Code gets PreToolUse and PostToolUse, and the older `signet … hook` commands are still recognised as Signet\'s', () => {
    const hooks = hooksOf(installHooksText('', '.github/hooks/signet.json', options('vscode')).text);
    assert.deepEqual(Object.keys(hooks), ['PreToolUse', 'PostToolUse']);
    assert.ok(isSignetHookCommand('"$HOME/.signet/bin/signet" --home "$HOME/.signet" hook vscode --timeout 140 || { exit 2; }'));
    assert.equal(isSignetHookCommand('./lint-guard.sh claude-code'), false);
  });

  test('a report that cannot run says so on stderr and lets the client go on, since the call has run already', () => {
    const line = hookCommandLine({ ...options('claude-code'), launcher: '/nonexistent/signet-hook', userHome: '/elsewhere' }, 'PostToolUse');
    const run = spawnSync('sh', ['-c', line], { input: '{}', encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /could not record this event/);
  });

  test('the user\'s own hooks and settings are kept, and Signet\'s entry runs first', () => {
    const mine = '{\n  // my settings\n  "model": "opus",\n  "hooks": {\n    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./lint-guard.sh" }] }],\n    "Stop": [{ "hooks": [{ "type": "command", "command": "say done" }] }]\n  }\n}\n';
    const { text } = installHooksText(mine, 'settings.json', options('claude-code'));
    assert.match(text, /\/\/ my settings/);
    const config = parseConfig(text, 'x');
    assert.equal(config.model, 'opus');
    const hooks = hooksOf(text);
    assert.equal(hooks.PreToolUse?.length, 2);
    assert.ok(isSignetHookCommand((hooks.PreToolUse?.[0]?.hooks as Json[])[0]?.command));
    assert.equal((hooks.PreToolUse?.[1]?.hooks as Json[])[0]?.command, './lint-guard.sh');
    assert.equal((hooks.Stop?.[0]?.hooks as Json[])[0]?.command, 'say done');
  });

  test('installing twice changes nothing, and an entry of another launcher is replaced in place', () => {
    const once = installHooksText('', 's.json', options('vscode')).text;
    const twice = installHooksText(once, 's.json', options('vscode'));
    assert.equal(twice.changed, false);
    assert.deepEqual(twice.events.map((e) => e.action), ['already-installed', 'already-installed']);
    const moved = installHooksText(once, 's.json', { ...options('vscode'), launcher: '/opt/signet/bin/signet-hook' });
    assert.deepEqual(moved.events.map((e) => e.action), ['updated', 'updated']);
    assert.equal(hooksOf(moved.text).PreToolUse?.length, 1);
    assert.match(String(hooksOf(moved.text).PreToolUse?.[0]?.command), /^\/opt\/signet\/bin\/signet-hook /);
  });

  test('the launcher is named by its full path, from $HOME when it lies there, so a committed file works for teammates', () => {
    assert.equal(homeRelativeShellPath('/home/u/.signet/bin/signet', '/home/u'), '"$HOME/.signet/bin/signet"');
    assert.equal(homeRelativeShellPath('/opt/signet home/bin/signet', '/home/u'), "'/opt/signet home/bin/signet'");
    const line = hookCommandLine(options('claude-code'), 'PreToolUse');
    assert.match(line, /^"\$HOME\/\.signet\/bin\/signet-hook" --home "\$HOME\/\.signet" claude-code /);
  });

  test('when the launcher cannot run, the command prints the client\'s own deny and exits 2', () => {
    for (const client of ['claude-code', 'vscode', 'cursor'] as const) {
      const event = hookEvents[client][0] ?? '';
      const line = hookCommandLine({ ...options(client), launcher: '/nonexistent/signet-hook', userHome: '/elsewhere' }, event);
      const run = spawnSync('sh', ['-c', line], { input: '{}', encoding: 'utf8' });
      assert.equal(run.status, 2, client);
      const printed = JSON.parse(run.stdout) as Json;
      if (client === 'cursor') assert.equal(printed.permission, 'deny');
      else assert.equal((printed.hookSpecificOutput as Json).permissionDecision, 'deny');
      assert.match(run.stderr, /the call is blocked/);
    }
  });

  test('a launcher that exits non-zero is blocked the same way, and one that answers is passed through', () => {
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    const launcher = `${dir}/signet`;
    execFileSync('sh', ['-c', `printf '#!/bin/sh\\nexit 1\\n' > ${launcher} && chmod +x ${launcher}`]);
    const failing = spawnSync('sh', ['-c', hookCommandLine({ ...options('vscode'), launcher, userHome: '/elsewhere' }, 'PreToolUse')], { input: '{}', encoding: 'utf8' });
    assert.equal(failing.status, 2);
    execFileSync('sh', ['-c', `printf '#!/bin/sh\\necho ANSWER\\n' > ${launcher}`]);
    const answering = spawnSync('sh', ['-c', hookCommandLine({ ...options('vscode'), launcher, userHome: '/elsewhere' }, 'PreToolUse')], { input: '{}', encoding: 'utf8' });
    assert.equal(answering.status, 0);
    assert.equal(answering.stdout, 'ANSWER\n');
  });
});

describe('the Windows form of the fail-closed hook command (its text; not run on Windows here)', () => {
  const win = (client: HookCommandOptions['client']): HookCommandOptions => ({
    client,
    launcher: 'C:\\Users\\u\\.signet\\bin\\signet-hook.cmd',
    home: 'C:\\Users\\u\\.signet',
    userHome: 'C:\\Users\\u',
    platform: 'win32',
  });

  test('it is a PowerShell script passed encoded, so that no quoting of cmd.exe or JSON can change it', () => {
    const line = hookCommandLine(win('claude-code'), 'PreToolUse');
    assert.match(line, /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/);
    const script = decodedWindowsHookCommand(line) ?? '';
    assert.match(script, /^\$ErrorActionPreference = 'Stop'$/m, 'a missing launcher is an error the catch sees');
    assert.match(script, /\$hookInput \| & "\$env:USERPROFILE\\\.signet\\bin\\signet-hook\.cmd" --home "\$env:USERPROFILE\\\.signet" claude-code --timeout 140$/m);
    assert.match(script, /if \(\$LASTEXITCODE -ne 0\) \{ throw/, 'a crash or a non-zero exit is an error too');
    assert.ok(isSignetHookCommand(line), 'the installed command is recognised as Signet\'s, for idempotence and undo');
  });

  test('when the hook fails, a deciding event prints the client\'s own deny and exits 2; a report exits 0', () => {
    for (const client of ['claude-code', 'vscode', 'cursor'] as const) {
      const script = decodedWindowsHookCommand(hookCommandLine(win(client), decidedHookEvents[client][0]!)) ?? '';
      const printed = /\[Console\]::Out\.WriteLine\('(.*)'\)$/m.exec(script)?.[1]?.replace(/''/g, "'");
      const deny = JSON.parse(printed ?? 'null') as Json;
      if (client === 'cursor') assert.equal(deny.permission, 'deny');
      else assert.equal((deny.hookSpecificOutput as Json).permissionDecision, 'deny');
      assert.match(script, /^  exit 2$/m);
    }
    const report = decodedWindowsHookCommand(hookCommandLine(win('claude-code'), 'PostToolUse')) ?? '';
    assert.doesNotMatch(report, /WriteLine\('\{/);
    assert.match(report, /^  exit 0$/m);
  });

  test('a launcher outside the user\'s profile is named by its literal path, quoted for PowerShell', () => {
    assert.equal(windowsHomeRelativePath("D:\\Tools\\Bob's signet\\signet-hook.cmd", 'C:\\Users\\u'), "'D:\\Tools\\Bob''s signet\\signet-hook.cmd'");
    assert.equal(windowsHomeRelativePath('C:\\Users\\u\\.signet\\bin\\signet-hook.cmd', 'C:\\Users\\u'), '"$env:USERPROFILE\\.signet\\bin\\signet-hook.cmd"');
    const entry = signetEntry(win('cursor'), 'beforeShellExecution');
    assert.equal(entry.failClosed, true);
  });
});
