// Owner policy files with real Cedar: outcomes from annotations, rules named by id, file and line, workspace
// files that may only tighten, a broken file that keeps its last good version, and none ever valid → deny.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { canonicalizeArgs } from '../../daemon/src/authz/canonicalPaths';
import { compileFile } from '../../daemon/src/policy/cedarEngine';
import { DEFAULT_RULES } from '../../daemon/src/policy/defaultRules';
import { confirmWorkspacePolicy, OwnerPolicy, type FileState } from '../../daemon/src/policy/ownerPolicy';

let home: string;
let workspace: string;

async function call(policy: OwnerPolicy, tool: string, args: Record<string, unknown>) {
  const canonical = await canonicalizeArgs({ server: 'fs', tool, arguments: args }, workspace);
  return policy.evaluate({ agent: { did: 'did:key:z6MkAgent', name: 'coder' }, chain: [], actingFor: [], cmd: '/mcp/tools/call', args: canonical.args, paths: canonical.paths, workspace });
}

/** Writes a file so that its change is seen even within the same clock tick. */
let tick = 1;
function write(file: string, text: string): void {
  writeFileSync(file, text);
  const t = new Date(Date.now() + tick++ * 1000);
  utimesSync(file, t, t);
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'signet-policy-home-'));
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'signet-policy-ws-')));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

describe('owner policy files', () => {

  test('the default rules are written on first start, validate against the schema, and deny reading .env', async () => {
    const policy = new OwnerPolicy({ home });
    assert.equal(readFileSync(join(policy.userDir, 'defaults.cedar'), 'utf8'), DEFAULT_RULES);
    const states = policy.refresh(workspace);
    assert.deepEqual(states.map((s) => [s.state, s.problems]), [['ok', []]]);
    const verdict = await call(policy, 'read_file', { path: '.env' });
    assert.equal(verdict.outcome, 'deny');
    assert.equal(verdict.rule?.id, 'no-dotenv');
    assert.match(verdict.reason, /rule `no-dotenv` in .*defaults\.cedar:\d+/);
  });

  test('each default rule is named by the line its annotations start on', () => {
    const compiled = compileFile('defaults.cedar', DEFAULT_RULES, false);
    assert.deepEqual(compiled.problems, []);
    const lines = DEFAULT_RULES.split('\n');
    for (const { rule } of compiled.rules) assert.equal(lines[rule.line - 1], `@id(${JSON.stringify(rule.id)})`);
  });

  test('a permit marked @outcome("ask") asks, names its id, file and line, and a plain permit allows', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(policy.userDir);
    write(join(policy.userDir, 'team.cedar'), `// team rules\n\n@id("deploy-needs-a-human")\n@outcome("ask")\npermit (principal, action, resource is Signet::File) when { resource.workspaceRelative like "deploy/*" };\n\npermit (principal, action, resource) when { context.tool == "read_file" };\n`);
    const asked = await call(policy, 'write_file', { path: 'deploy/prod.yaml' });
    assert.equal(asked.outcome, 'ask');
    assert.deepEqual([asked.rule?.id, asked.rule?.line], ['deploy-needs-a-human', 3]);
    const allowed = await call(policy, 'read_file', { path: 'src/a.ts' });
    assert.equal(allowed.outcome, 'allow');
    assert.equal(allowed.rule?.id, `${join(policy.userDir, 'team.cedar')}:7`);
    assert.equal((await call(policy, 'write_file', { path: 'src/a.ts' })).outcome, 'none');
  });

  test('a rule that does not validate against the schema is reported with its line, and an unknown outcome is refused', () => {
    const problems: FileState[] = [];
    const policy = new OwnerPolicy({ home, installDefaults: false, onProblem: (s) => problems.push(s) });
    mkdirSync(policy.userDir);
    write(join(policy.userDir, 'bad.cedar'), `forbid (principal, action, resource is Signet::File) when { resource.path like "*.env" };\n\nforbid (principal, action, resource is Signet::File) when { resource.nope == 1 };\n@outcome("maybe")\nforbid (principal, action, resource);\n`);
    const [state] = policy.refresh(workspace);
    assert.equal(state?.state, 'broken');
    assert.deepEqual(state?.problems.map((p) => p.line), [3, 4]);
    assert.match(state!.problems[1]!.message, /@outcome must be "deny", "ask" or "allow"/);
    assert.equal(problems.length, 1);
  });

  test('a file that breaks keeps its last valid version in force', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(policy.userDir);
    const file = join(policy.userDir, 'team.cedar');
    write(file, `@id("no-secrets")\nforbid (principal, action, resource is Signet::File) when { resource.name == "secrets.txt" };\n`);
    assert.equal((await call(policy, 'read_file', { path: 'secrets.txt' })).outcome, 'deny');
    write(file, `forbid (principal, action, resource is Signet::File) when { resource.name == `);
    const verdict = await call(policy, 'read_file', { path: 'secrets.txt' });
    assert.equal(verdict.outcome, 'deny');
    assert.equal(verdict.rule?.id, 'no-secrets');
    assert.equal(policy.refresh(workspace)[0]?.state, 'broken');
  });

  test('policy files of which none was ever valid deny every call with that reason rather than run without them', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(policy.userDir);
    write(join(policy.userDir, 'team.cedar'), 'this is not cedar');
    const verdict = await call(policy, 'read_file', { path: 'src/a.ts' });
    assert.equal(verdict.outcome, 'deny');
    assert.equal(verdict.rule?.id, 'signet:policy-unavailable');
    assert.match(verdict.reason, /could not be loaded.*team\.cedar:1/);
  });

  test('a workspace file may deny or ask, and an allow rule an agent writes into it has no effect', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(join(workspace, '.signet'));
    write(
      join(workspace, '.signet', 'policy.cedar'),
      `@id("agent-wants-everything")\npermit (principal, action, resource);\n\n@id("sneaky-ask-as-allow")\n@outcome("allow")\nforbid (principal, action, resource);\n\n@id("no-vendor-writes")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "vendor/*" };\n`,
    );
    const [state] = policy.refresh(workspace);
    assert.equal(state?.scope, 'workspace');
    assert.equal(state?.rules, 1);
    assert.deepEqual(state?.problems.map((p) => p.line), [1, 4]);
    assert.equal((await call(policy, 'write_file', { path: 'src/a.ts' })).outcome, 'none');
    assert.equal((await call(policy, 'write_file', { path: 'vendor/x.js' })).rule?.id, 'no-vendor-writes');
  });

  test('a remembered answer never stands in for a rule that reads the arguments or the time', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(policy.userDir);
    write(join(policy.userDir, 'team.cedar'), `@id("no-drop-table")\nforbid (principal, action, resource) when { context.argsText like "*DROP TABLE*" };\n`);
    assert.equal((await call(policy, 'run_sql', { path: 'db.sqlite', sql: 'SELECT 1' })).outcome, 'none');
    assert.equal((await call(policy, 'run_sql', { path: 'db.sqlite', sql: 'DROP TABLE users' })).outcome, 'deny');
  });

  test('an allow needs every path of the call: one path nobody allowed leaves the call to delegations and approvals', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    mkdirSync(policy.userDir);
    write(join(policy.userDir, 'team.cedar'), `permit (principal, action, resource is Signet::File) when { resource.workspaceRelative like "src/*" };\n`);
    assert.equal((await call(policy, 'move_file', { source: 'src/a.ts', destination: 'src/b.ts' })).outcome, 'allow');
    assert.equal((await call(policy, 'move_file', { source: 'src/a.ts', destination: 'README.md' })).outcome, 'none');
  });
});

describe('loosening a workspace policy file', () => {

  test('a rule deleted or weakened in the workspace file stays in force until the user confirms, and a new one applies at once', async () => {
    const policy = new OwnerPolicy({ home, installDefaults: false });
    const file = join(workspace, '.signet', 'policy.cedar');
    mkdirSync(join(workspace, '.signet'));
    write(file, `@id("no-vendor")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "vendor/*" };\n`);
    assert.equal((await call(policy, 'write_file', { path: 'vendor/a.js' })).outcome, 'deny');

    write(file, `@id("no-vendor")\n@outcome("ask")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "vendor/*" };\n@id("no-dist")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "dist/*" };\n`);
    assert.equal((await call(policy, 'write_file', { path: 'vendor/a.js' })).outcome, 'deny', 'weakening deny to ask waits for the user');
    assert.equal((await call(policy, 'write_file', { path: 'dist/a.js' })).outcome, 'deny', 'a new rule tightens at once');
    assert.deepEqual(policy.refresh(workspace)[0]?.pendingRemoval, ['no-vendor']);

    rmSync(file);
    assert.equal((await call(policy, 'write_file', { path: 'dist/a.js' })).outcome, 'deny', 'deleting the file is a loosening too');

    assert.deepEqual(confirmWorkspacePolicy(home, workspace).sort(), ['no-dist', 'no-vendor', 'no-vendor']);
    assert.equal((await call(policy, 'write_file', { path: 'dist/a.js' })).outcome, 'none');
  });
});
