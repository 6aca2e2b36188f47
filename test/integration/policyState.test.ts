// The owner policy as the editor sees it, through the daemon's protocol: `policy/state` lists every file that
// applies with what of it is in force, a file that breaks is reported to UI clients with its line, the watcher
// tells them when a file changes, and an agent connection may not read any of it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonRequestError } from '../../daemon/src/client/daemonClient';
import { SignetErrorCode } from '../../daemon/src/server/protocol';
import { nextNotification, startHarness, type Harness } from '../support/daemonHarness';

describe('policy/state and the policy notifications', () => {
  let h: Harness;

  before(async () => {
    // Listening, as the daemon does in production: the open socket is what keeps a daemon's loop (and its watcher) alive.
    h = await startHarness({ listen: true });
  });
  after(() => h.close());

  test('the defaults, a user file and the workspace file are listed with their state and rule counts', async () => {
    writeFileSync(join(h.home, 'policy', 'team.cedar'), `@id("no-deploy")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "deploy/*" };\n`);
    mkdirSync(join(h.workspace, '.signet'));
    writeFileSync(join(h.workspace, '.signet', 'policy.cedar'), `@id("ask-migrations")\n@outcome("ask")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "migrations/*" };\n`);
    const state = await h.ui.request('policy/state', { workspace: h.workspace });
    assert.equal(state.enabled, true);
    assert.equal(state.userDir, join(h.home, 'policy'));
    assert.equal(state.workspaceFile, join(h.workspace, '.signet', 'policy.cedar'));
    const byName = new Map(state.files.map((f) => [f.file, f]));
    const defaults = byName.get(join(h.home, 'policy', 'defaults.cedar'));
    assert.ok(defaults?.defaults && defaults.state === 'ok' && defaults.rules > 10, 'the shipped defaults are in force');
    assert.deepEqual(
      { ...byName.get(join(h.home, 'policy', 'team.cedar')) },
      { file: join(h.home, 'policy', 'team.cedar'), scope: 'user', defaults: false, state: 'ok', rules: 1, everValid: true, problems: [], pendingRemoval: [] },
    );
    assert.equal(byName.get(state.workspaceFile)?.scope, 'workspace');
  });

  test('a file broken after it loaded is reported once, with its line, and its last good version stays in force', async () => {
    await h.ui.request('policy/state', { workspace: h.workspace });
    const reported = nextNotification(h.ui, 'policy/didReportProblem');
    const changed = nextNotification(h.ui, 'policy/didChange');
    writeFileSync(join(h.home, 'policy', 'team.cedar'), `@id("no-deploy")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "deploy/*" };\n\npermit (principal, action, resource) when { resource.nosuch };\n`);
    const problem = await reported;
    assert.equal(problem.file, join(h.home, 'policy', 'team.cedar'));
    assert.equal(problem.state, 'broken');
    assert.equal(problem.everValid, true);
    assert.equal(problem.rules, 1, 'the one rule of its last good version is in force');
    assert.equal(problem.problems[0]?.line, 4);
    const { workspace, files } = await changed;
    assert.equal(workspace, h.workspace);
    assert.equal(files.find((f) => f.file === problem.file)?.state, 'broken');
    // Fixed again: the watcher says so without any call being made.
    const fixed = nextNotification(h.ui, 'policy/didChange');
    writeFileSync(join(h.home, 'policy', 'team.cedar'), `@id("no-deploy")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "deploy/*" };\n`);
    assert.equal((await fixed).files.find((f) => f.file === problem.file)?.state, 'ok');
  });

  test('an agent connection cannot read the policy state', async () => {
    await assert.rejects(h.agent.request('policy/state', {}), (error: unknown) => error instanceof DaemonRequestError && error.code === SignetErrorCode.Forbidden);
  });
});
