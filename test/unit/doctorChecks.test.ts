// The parts of `signet doctor` that read a config or an answer, checked on the shapes a confused or hostile agent
// could leave behind: a hook whose fail-closed branch is defeated, a probe answer that only looks refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hookCommandLine } from '../../daemon/src/hooks/hookSettings';
import { classifyHookAnswer, classifyServerAnswer, expandClientVariables } from '../../daemon/src/doctor/probes';
import { hasFailClosedBranch, launcherOfHookCommand } from '../../daemon/src/doctor/staticChecks';
import { serversOfConfig } from '../../daemon/src/clients/clientConfigs';
import { configFilesFor } from '../../daemon/src/mcp/protectConfig';

const written = hookCommandLine({ client: 'claude-code', launcher: '/u/.signet/bin/signet', home: '/u/.signet', userHome: '/u' }, 'PreToolUse');
const branch = written.slice(written.indexOf(' || { '));

describe('a hook fails closed only with exactly the branch signet protect writes', () => {
  test('the line protect writes fails closed, for every client and event', () => {
    assert.equal(hasFailClosedBranch(written, 'claude-code', 'PreToolUse'), true);
    const cursor = hookCommandLine({ client: 'cursor', launcher: '/l', home: '/h', userHome: '/u', agent: 'cursor' }, 'beforeReadFile');
    assert.equal(hasFailClosedBranch(cursor, 'cursor', 'beforeReadFile'), true);
  });

  test('a line with no branch, another event\'s branch, or a branch defeated before it does not', () => {
    const run = written.slice(0, written.indexOf(' || { '));
    assert.equal(hasFailClosedBranch(run, 'claude-code', 'PreToolUse'), false);
    assert.equal(hasFailClosedBranch(written, 'claude-code', 'PreSkillShellCommand'), false);
    for (const defeated of [`${run} || true; :${branch}`, `${run}; exit 0${branch}`, `${run} > /dev/null${branch}`, `${run} & :${branch}`, `$(${run})${branch}`]) {
      assert.equal(hasFailClosedBranch(defeated, 'claude-code', 'PreToolUse'), false, defeated);
    }
  });

  test('the launcher is the line\'s first word, with $HOME expanded as the client\'s shell would', () => {
    assert.equal(launcherOfHookCommand(written, '/u'), '/u/.signet/bin/signet');
    assert.equal(launcherOfHookCommand('"$HOME/.signet/bin/signet" --home x hook cursor', '/home/dev'), '/home/dev/.signet/bin/signet');
    assert.equal(launcherOfHookCommand("'/opt/my signet/signet' hook vscode", '/u'), '/opt/my signet/signet');
    assert.equal(launcherOfHookCommand('signet hook vscode', '/u'), 'signet');
  });
});

describe('only Signet\'s refusal of this very probe counts as refused', () => {
  const run = { code: 0, stderr: '', timedOut: false };
  test('a server answer naming the probe id is refused; one naming another id was blocked elsewhere; the server\'s own error went through', () => {
    const refused = { id: 'x', result: { content: [{ type: 'text', text: 'Signet refused this tool call: Signet probe probe-1234abcd: refused' }], isError: true } };
    assert.equal(classifyServerAnswer(refused, 'probe-1234abcd', run).outcome, 'refused');
    assert.equal(classifyServerAnswer(refused, 'probe-ffffeeee', run).outcome, 'fallback-blocked', 'blocked, but not by Signet deciding this probe');
    assert.equal(classifyServerAnswer({ id: 'x', error: { code: -32602, message: 'Tool signet_doctor_probe not found' } }, 'probe-1234abcd', run).outcome, 'went-through');
  });

  test('no answer: a launcher that could not start, exited, or said nothing in time', () => {
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, spawnError: 'ENOENT' }).outcome, 'did-not-start');
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, code: 1 }).outcome, 'did-not-start');
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, timedOut: true }).outcome, 'no-answer');
  });

  test('a hook\'s deny by Signet is refused; the fail-closed fallback, an allow or silence are not', () => {
    const deny = (reason: string) => JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });
    assert.equal(classifyHookAnswer('claude-code', 'PreToolUse', 'probe-1', { ...run, stdout: deny('Signet probe probe-1: refused') }).outcome, 'refused');
    assert.equal(classifyHookAnswer('claude-code', 'PreToolUse', 'probe-1', { ...run, code: 2, stdout: deny('Signet could not run its hook') }).outcome, 'fallback-blocked');
    assert.equal(classifyHookAnswer('claude-code', 'PreToolUse', 'probe-1', { ...run, stdout: deny('some other deny') }).outcome, 'fallback-blocked');
    const allow = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'probe-1' } });
    assert.equal(classifyHookAnswer('claude-code', 'PreToolUse', 'probe-1', { ...run, stdout: allow }).outcome, 'went-through');
    assert.equal(classifyHookAnswer('vscode', 'PreToolUse', 'probe-1', { ...run, stdout: '' }).outcome, 'went-through');
  });
});

test('config values are expanded as the clients expand them before a launcher line is run', () => {
  const context = { workspace: '/w', userHome: '/u' };
  assert.equal(expandClientVariables('${workspaceFolder}/x:${userHome}', context), '/w/x:/u');
  assert.equal(expandClientVariables('${env:TOKEN}|${TOKEN}|${MISSING:-d}', context, { TOKEN: 't' }), 't|t|d');
  assert.equal(expandClientVariables('${input:secret}', context, {}), '${input:secret}');
});

test('doctor reads the servers of ~/.claude.json at its top and under this project, and not those of another project', () => {
  const [, userFile] = configFilesFor('claude-code', '/work/app', '/u');
  assert.equal(userFile?.path, '/u/.claude.json');
  const config = {
    mcpServers: { everywhere: { command: 'a' } },
    projects: { '/work/app': { mcpServers: { here: { command: 'b' } } }, '/work/other': { mcpServers: { elsewhere: { command: 'c' } } } },
  };
  assert.deepEqual(serversOfConfig(userFile!, config).map((s) => s.name), ['everywhere', 'here']);
});
