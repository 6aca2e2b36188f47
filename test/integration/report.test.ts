// `signet report` against a real daemon's audit log: allowed calls, a refusal, an approval and who gave it,
// the delegations with their CIDs, and the commands that verify it, in Markdown and in HTML.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nextNotification, startHarness, type Harness } from '../support/daemonHarness';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist/cli.js');

function report(home: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, '--home', home, 'report', ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('signet report', () => {
  let h: Harness;
  let delegationCid: string;

  before(async () => {
    h = await startHarness({ listen: true });
    await h.ui.request('agent/create', { name: 'coder' });
    await h.ui.request('agent/create', { name: 'other' });
    delegationCid = (await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'read_file']], ttl: 3600 })).cid;
    const call = (agent: string, tool: string, path: string) =>
      h.agent.request('authz/authorize', { agent, cmd: '/mcp/tools/call', args: { server: 'fs', tool, arguments: { path } }, workspace: h.workspace });
    assert.equal((await call('coder', 'read_file', 'src/a.ts')).decision, 'allow');
    // Not covered: a person decides, here a denial sent as the CLI would.
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const denied = call('coder', 'delete_file', 'src/b.ts');
    await h.ui.request('approval/decide', { id: (await asked).id, decision: 'deny', decidedBy: 'cli' });
    assert.equal((await denied).decision, 'deny');
    const otherAsked = nextNotification(h.ui, 'approval/didRequest');
    const other = call('other', 'read_file', 'secret.txt');
    await h.ui.request('approval/decide', { id: (await otherAsked).id, decision: 'deny', decidedBy: 'cli' });
    await other;
  });
  after(() => h?.close());

  test('names what one agent did, was refused and was granted, by whom, with the delegation’s CID', () => {
    const { code, stdout, stderr } = report(h.home, '--agent', 'coder');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^## Signet report\n\nAgents: coder \(did:key:z6Mk/);
    assert.match(stdout, new RegExp(`\\| ${join(h.workspace, 'src', 'a.ts')} \\| 1 \\|`));
    assert.match(stdout, /\| read_file on fs \| 1 \|/);
    assert.match(stdout, /### Refused\n\| time \| agent \| request \| why \|\n\| --- \| --- \| --- \| --- \|\n\| [^|]+ \| coder \| delete_file on fs \|/);
    // Who decided, as the daemon recorded it: the harness's UI client stated no editor window, and is in-process.
    assert.match(stdout, new RegExp(`\\| coder \\| delete_file on fs \\| deny \\| ${userInfo().username} outside the editor, by an unverified process \\(an in-process connection, not a socket\\) \\|`));
    assert.ok(stdout.includes(`| user → coder | `) && stdout.includes(delegationCid), 'the delegation and its CID');
    assert.match(stdout, /signet audit prove --seq \d+/);
    assert.doesNotMatch(stdout, /secret\.txt/, 'the other agent’s requests are not in it');
  });

  test('as HTML every value is escaped, and an unknown agent is an error that says so', () => {
    const page = report(h.home, '--agent', 'coder', '--format', 'html');
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /^<!doctype html>/);
    assert.match(page.stdout, /<td>user → coder<\/td>/);
    assert.doesNotMatch(page.stdout, /<script/i);
    const unknown = report(h.home, '--agent', 'nobody');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /the log holds no records of nobody/);
    assert.equal(report(h.home, '--format', 'pdf').code, 2);
  });

  test('--since leaves out what happened before it', () => {
    const later = report(h.home, '--agent', 'coder', '--since', new Date(Date.now() + 60_000).toISOString());
    assert.equal(later.code, 1);
    assert.match(later.stderr, /no records of coder since/);
    const recent = report(h.home, '--agent', 'coder', '--since', '1h');
    assert.equal(recent.code, 0, recent.stderr);
    assert.match(recent.stdout, /delete_file on fs/);
  });
});
