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

describe('only a refusal the daemon recorded for this very probe counts as refused', () => {
  const run = { code: 0, stderr: '', timedOut: false };
  const recorded = { refused: true, record: { seq: 7, time: '2026-12-03T09:00:00.000Z', cmd: '/mcp/tools/call', tool: 'signet_doctor_probe' } };
  const notRecorded = { refused: false };
  const refusedAnswer = { id: 'x', result: { content: [{ type: 'text', text: 'Signet refused this tool call: Signet probe probe-1234abcd: refused' }], isError: true } };

  test('a server line the daemon refused this probe for, and that refused the call, is refused', () => {
    assert.equal(classifyServerAnswer(refusedAnswer, 'probe-1234abcd', run, recorded).outcome, 'refused');
  });

  test('a line that merely prints the probe id it was given, which the daemon never refused, is not refused', () => {
    const echoed = classifyServerAnswer(refusedAnswer, 'probe-1234abcd', run, notRecorded);
    assert.deepEqual([echoed.outcome, echoed.ok], ['went-through', false]);
    assert.match(echoed.detail, /no record of refusing it/);
    const unasked = classifyServerAnswer(refusedAnswer, 'probe-1234abcd', run, { refused: false, unasked: 'no daemon runs for /h' });
    assert.deepEqual([unasked.outcome, unasked.ok], ['went-through', false]);
    assert.match(unasked.detail, /unknown \(no daemon runs for \/h\)/);
  });

  test('a line the daemon refused the probe for, which then answers as though the call ran, went through', () => {
    const ran = { id: 'x', result: { content: [{ type: 'text', text: 'done' }] } };
    assert.equal(classifyServerAnswer(ran, 'probe-1234abcd', run, recorded).outcome, 'went-through');
  });

  test('Signet\'s refusal without this probe was blocked elsewhere; the server\'s own error went through', () => {
    const otherRefusal = { id: 'x', result: { content: [{ type: 'text', text: 'Signet refused this tool call: no daemon' }], isError: true } };
    assert.equal(classifyServerAnswer(otherRefusal, 'probe-1234abcd', run, notRecorded).outcome, 'fallback-blocked', 'blocked, but not by Signet deciding this probe');
    assert.equal(classifyServerAnswer({ id: 'x', error: { code: -32602, message: 'Tool signet_doctor_probe not found' } }, 'probe-1234abcd', run, notRecorded).outcome, 'went-through');
  });

  test('no answer: a launcher that could not start, exited, or said nothing in time', () => {
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, spawnError: 'ENOENT' }, notRecorded).outcome, 'did-not-start');
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, code: 1 }, notRecorded).outcome, 'did-not-start');
    assert.equal(classifyServerAnswer(undefined, 'p', { ...run, timedOut: true }, recorded).outcome, 'no-answer');
  });

  test('a hook\'s deny the daemon recorded is refused; an echoed id, the fail-closed fallback, an allow or silence are not', () => {
    const deny = (reason: string) => JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });
    assert.equal(classifyHookAnswer('claude-code', 'probe-1', { ...run, stdout: deny('Signet probe probe-1: refused') }, recorded).outcome, 'refused');
    assert.equal(classifyHookAnswer('claude-code', 'probe-1', { ...run, stdout: deny('Signet probe probe-1: refused') }, notRecorded).outcome, 'went-through', 'the id printed by the hook line itself');
    assert.equal(classifyHookAnswer('claude-code', 'probe-1', { ...run, code: 2, stdout: deny('Signet could not run its hook') }, notRecorded).outcome, 'fallback-blocked');
    assert.equal(classifyHookAnswer('claude-code', 'probe-1', { ...run, stdout: deny('some other deny') }, notRecorded).outcome, 'fallback-blocked');
    const allow = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'probe-1' } });
    assert.equal(classifyHookAnswer('claude-code', 'probe-1', { ...run, stdout: allow }, recorded).outcome, 'went-through', 'refused by the daemon, let through by the line');
    assert.equal(classifyHookAnswer('vscode', 'probe-1', { ...run, stdout: '' }, notRecorded).outcome, 'went-through');
  });

  test("Cursor's beforeReadFile deny, which carries no reason, is refused on the daemon's record alone", () => {
    const cursorDeny = JSON.stringify({ permission: 'deny' });
    assert.equal(classifyHookAnswer('cursor', 'probe-1', { ...run, stdout: cursorDeny }, recorded).outcome, 'refused');
    assert.equal(classifyHookAnswer('cursor', 'probe-1', { ...run, stdout: cursorDeny }, notRecorded).outcome, 'fallback-blocked');
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
