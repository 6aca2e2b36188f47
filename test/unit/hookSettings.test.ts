import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseConfig } from '../../daemon/src/mcp/protectConfig';
import { hookCommandLine, hookEvents, homeRelativeShellPath, installHooksText, isSignetHookCommand, type HookCommandOptions } from '../../daemon/src/hooks/hookSettings';

const options = (client: HookCommandOptions['client']): HookCommandOptions => ({ client, launcher: '/home/u/.signet/bin/signet', home: '/home/u/.signet', userHome: '/home/u' });
type Json = Record<string, unknown>;

function hooksOf(text: string): Record<string, Json[]> {
  return parseConfig(text, 'x.json').hooks as Record<string, Json[]>;
}

describe('installing Signet\'s hooks into a client\'s settings', () => {
  test('Claude Code gets PreToolUse and PreSkillShellCommand entries that block when the hook fails', () => {
    const { text, events } = installHooksText('', '.claude/settings.json', options('claude-code'));
    assert.deepEqual(events.map((e) => [e.event, e.action]), [['PreToolUse', 'installed'], ['PreSkillShellCommand', 'installed']]);
    const hooks = hooksOf(text);
    for (const event of hookEvents['claude-code']) {
      const entry = (hooks[event]?.[0]?.hooks as Json[])[0];
      assert.equal(entry?.onFailure, 'block');
      assert.equal(entry?.type, 'command');
      assert.ok(isSignetHookCommand(entry?.command));
    }
  });

  test('Cursor gets failClosed entries for shell, MCP and reads, and a version', () => {
    const config = parseConfig(installHooksText('', '.cursor/hooks.json', options('cursor')).text, 'x');
    assert.equal(config.version, 1);
    for (const event of ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile']) {
      const entry = (config.hooks as Record<string, Json[]>)[event]?.[0];
      assert.equal(entry?.failClosed, true);
      assert.match(String(entry?.command), /hook cursor/);
    }
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
    assert.deepEqual(twice.events.map((e) => e.action), ['already-installed']);
    const moved = installHooksText(once, 's.json', { ...options('vscode'), launcher: '/opt/signet/bin/signet' });
    assert.deepEqual(moved.events.map((e) => e.action), ['updated']);
    assert.equal(hooksOf(moved.text).PreToolUse?.length, 1);
    assert.match(String(hooksOf(moved.text).PreToolUse?.[0]?.command), /^\/opt\/signet\/bin\/signet /);
  });

  test('the launcher is named by its full path, from $HOME when it lies there, so a committed file works for teammates', () => {
    assert.equal(homeRelativeShellPath('/home/u/.signet/bin/signet', '/home/u'), '"$HOME/.signet/bin/signet"');
    assert.equal(homeRelativeShellPath('/opt/signet home/bin/signet', '/home/u'), "'/opt/signet home/bin/signet'");
    const line = hookCommandLine(options('claude-code'), 'PreToolUse');
    assert.match(line, /^"\$HOME\/\.signet\/bin\/signet" --home "\$HOME\/\.signet" hook claude-code /);
  });

  test('when the launcher cannot run, the command prints the client\'s own deny and exits 2', () => {
    for (const client of ['claude-code', 'vscode', 'cursor'] as const) {
      const event = hookEvents[client][0] ?? '';
      const line = hookCommandLine({ ...options(client), launcher: '/nonexistent/signet', userHome: '/elsewhere' }, event);
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
