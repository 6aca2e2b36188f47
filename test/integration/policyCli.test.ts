// `signet policy …` as a user runs it: the built bundle, real Cedar and tree-sitter, and for `explain` a real
// daemon process (file keystore) whose audit log holds the decision.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_RULES } from '../../daemon/src/policy/defaultRules';
import { tempDir } from '../support/daemonHarness';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist/cli.js');
const signet = (home: string, args: string[]) => spawnSync(process.execPath, [cli, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('signet policy', () => {
  test('defaults prints the shipped rules, and check passes them and exits 1 naming the line of a broken file', () => {
    const home = tempDir('signet-policy-cli-');
    const printed = signet(home, ['policy', 'defaults']);
    assert.equal(printed.stdout, DEFAULT_RULES);
    mkdirSync(join(home, 'policy'));
    writeFileSync(join(home, 'policy', 'defaults.cedar'), printed.stdout);
    assert.equal(signet(home, ['policy', 'check']).status, 0);
    writeFileSync(join(home, 'policy', 'team.cedar'), '\n\nforbid (principal, action, resource is Signet::File) when { resource.size > 3 };\n');
    const broken = signet(home, ['--json', 'policy', 'check']);
    assert.equal(broken.status, 1);
    const team = (JSON.parse(broken.stdout) as { files: { file: string; state: string; problems: { line: number }[] }[] }).files.find((f) => f.file.endsWith('team.cedar'));
    assert.equal(team?.state, 'broken');
    assert.equal(team?.problems[0]?.line, 3);
  });

  test('test names the rule that decides a shell line, its simple commands, and exits 3 on deny', () => {
    const home = tempDir('signet-policy-cli-');
    mkdirSync(join(home, 'policy'));
    writeFileSync(join(home, 'policy', 'defaults.cedar'), DEFAULT_RULES);
    const run = signet(home, ['--json', 'policy', 'test', '--agent', 'coder', '--cmd', '/claude-code/tools/bash', '--args', JSON.stringify({ tool: 'Bash', input: { command: 'echo hi | timeout 5 sudo git push --force origin main' } })]);
    assert.equal(run.status, 3, run.stderr);
    const verdict = JSON.parse(run.stdout) as { outcome: string; rule: { id: string }; shell: { commands: string[] } };
    assert.equal(verdict.outcome, 'deny');
    assert.equal(verdict.rule.id, 'no-force-push');
    assert.ok(verdict.shell.commands.includes('git push --force origin main'));
  });

  test('explain reads a denied call back from the audit log with its rule and the rule text', async () => {
    const home = tempDir('signet-policy-cli-');
    const daemon = spawn(process.execPath, [cli, '--home', home, 'daemon', '--keystore', 'file'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let created = signet(home, ['agent', 'create', 'coder']);
      for (let i = 0; i < 200 && created.status !== 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        created = signet(home, ['agent', 'create', 'coder']);
      }
      assert.equal(created.status, 0, created.stderr);
      const run = signet(home, ['--json', 'authorize', '--agent', 'coder', '--cmd', '/mcp/tools/call', '--args', JSON.stringify({ server: 'fs', tool: 'read_file', arguments: { path: '/etc/ssl/private/server.pem' } })]);
      assert.equal(run.status, 3, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { code: string }).code, 'denied-by-policy');
      const tail = signet(home, ['--json', 'audit', 'tail', '--limit', '50']);
      const records = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string });
      const seq = records.filter((r) => r.kind === 'authorize.denied').at(-1)?.seq;
      const explained = JSON.parse(signet(home, ['--json', 'policy', 'explain', String(seq)]).stdout) as { policy: { rule: { id: string; file: string } }; ruleText: string };
      assert.equal(explained.policy.rule.id, 'no-private-keys');
      assert.equal(explained.policy.rule.file, join(home, 'policy', 'defaults.cedar'));
      assert.match(explained.ruleText, /@id\("no-private-keys"\)/);
      assert.equal(readFileSync(explained.policy.rule.file, 'utf8'), DEFAULT_RULES);
    } finally {
      daemon.kill('SIGTERM');
    }
  });
});
