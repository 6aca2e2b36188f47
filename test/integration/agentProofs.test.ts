// An agent's proof of identity (SIGNET_AGENT_SECRET) as the agent Signet guards would go after it: `signet git env`
// asks the daemon, which hands it out only after a person approves, showing the process that asked, and audits
// it; rotation makes every earlier copy worthless, across a restart too; and an agent's own shell command for it is
// refused by the default owner rules through the real Claude Code hook. Real daemon, real Secret Service, real CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pendingLine } from '../../daemon/src/cli/approvalLines';
import { isAgentSecret } from '../../daemon/src/keys/agentSecrets';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { bashCall } from '../fixtures/hooks/claudeCodeInputs';
import { nextNotification, startHarness, tempDir, type Harness } from '../support/daemonHarness';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist/cli.js');

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], stdin = ''): Promise<Ran> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.SIGNET_AGENT_SECRET;
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ status: code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

type Proof = { SIGNET_AGENT: string; SIGNET_AGENT_SECRET: string };

describe("an agent's proof of identity", () => {
  let h: Harness;
  const signet = (args: string[]) => runCli(['--home', h.home, ...args]);

  /** `signet git env` for coder, answered by the person with `decision`; returns the CLI's run and the request shown. */
  async function askForProof(decision: 'once' | 'deny', extra: string[] = []) {
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const ran = signet(['--json', 'git', 'env', '--agent', 'coder', ...extra]);
    const request = await asked;
    await h.ui.request('approval/decide', { id: request.id, decision, decidedBy: 'test' });
    return { ran: await ran, request };
  }

  /** Whether `secret` proves coder to the commit signer: a proven name with a delegation needs nobody. */
  async function proves(secret: string): Promise<boolean> {
    const asked = nextNotification(h.ui, 'approval/didRequest').then((r) => ({ asked: r }));
    const prepared = h.agent.request('git/sign', { step: 'prepare', agent: 'coder', agentSecret: secret, repo: h.workspace, branch: 'main' }).then((r) => ({ prepared: r }));
    const first = await Promise.race([asked, prepared]);
    if ('prepared' in first) return first.prepared.decision === 'allow';
    await h.ui.request('approval/decide', { id: first.asked.id, decision: 'deny', decidedBy: 'test' });
    await prepared;
    return false;
  }

  before(async () => {
    const home = tempDir('signet-home-');
    h = await startHarness({ home, listen: true, approvalTimeoutSeconds: 30, secretStore: openSecretStore({ kind: 'keychain', home }) });
    await h.ui.request('agent/create', { name: 'coder' });
    await h.ui.request('agent/create', { name: 'claude-code' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit/sign', ttl: 3600 });
  });
  after(() => h?.close());

  test('signet git env asks a person first, showing which process asks, and a denial prints no secret', async () => {
    const { ran, request } = await askForProof('deny');
    assert.equal(request.cmd, '/signet/agent/prove');
    assert.equal(request.agent.name, 'coder');
    assert.equal(request.args.purpose, 'shell-environment');
    // The daemon's own reading of /proc: the CLI's node process and the process that started it (this test's node).
    assert.match(String(request.args.requestedBy), new RegExp(`^node \\(pid \\d+\\) ← node \\(pid ${process.pid}\\)`));
    assert.ok(pendingLine(request).startsWith(`${request.id}  hand out coder's proof of identity (shell-environment), asked for by node`), 'signet approvals names the proof, not coder, as what is wanted');
    assert.match(request.summary, new RegExp(`^coder's proof of identity \\(shell-environment\\), asked for by node \\(pid \\d+\\) ← node \\(pid ${process.pid}\\)`), 'said in words, not counted as strings that might be paths');
    assert.equal(ran.status, 3, ran.stderr);
    assert.equal(ran.stdout, '');
    assert.match(ran.stderr, /coder's proof of identity was not handed out \(denied-by-user\)/);
    const { records } = await h.ui.request('audit/query', { kind: 'agent.proof.issued' });
    assert.equal(records.length, 0);
  });

  test('an approved hand-out prints the secret, which then proves coder, and is audited with who asked', async () => {
    const { ran, request } = await askForProof('once');
    assert.equal(ran.status, 0, ran.stderr);
    const proof = JSON.parse(ran.stdout) as Proof;
    assert.equal(proof.SIGNET_AGENT, 'coder');
    assert.equal(await proves(proof.SIGNET_AGENT_SECRET), true);
    assert.equal(await proves(`${proof.SIGNET_AGENT_SECRET.slice(0, -2)}xx`), false, 'a secret one character off proves nothing');
    const { records } = await h.ui.request('audit/query', { kind: 'agent.proof.issued' });
    assert.equal(records.length, 1);
    assert.deepEqual([records[0]?.data.agentName, records[0]?.data.purpose, records[0]?.data.generation, records[0]?.data.rotated, records[0]?.data.approvalId], ['coder', 'shell-environment', 0, false, request.id]);
    assert.equal(JSON.stringify(records).includes(proof.SIGNET_AGENT_SECRET), false, 'the secret itself is never logged');
  });

  test('rotating gives a new secret, and every copy handed out before stops proving, also after a restart', async () => {
    const before = JSON.parse((await askForProof('once')).ran.stdout) as Proof;
    const { ran, request } = await askForProof('once', ['--rotate']);
    assert.equal(request.args.rotate, true);
    const rotated = JSON.parse(ran.stdout) as Proof;
    assert.notEqual(rotated.SIGNET_AGENT_SECRET, before.SIGNET_AGENT_SECRET);
    assert.equal(await proves(before.SIGNET_AGENT_SECRET), false);
    assert.equal(await proves(rotated.SIGNET_AGENT_SECRET), true);
    await h.restart();
    assert.equal(await proves(before.SIGNET_AGENT_SECRET), false);
    assert.equal(await proves(rotated.SIGNET_AGENT_SECRET), true);
    // A store opened afresh reads the generation from the Secret Service itself, not from this process's memory.
    const coder = (await h.ui.request('agent/list', {})).agents.find((a) => a.name === 'coder')!;
    const fresh = openSecretStore({ kind: 'keychain', home: h.home });
    assert.deepEqual([await isAgentSecret(fresh, h.home, coder.did, before.SIGNET_AGENT_SECRET), await isAgentSecret(fresh, h.home, coder.did, rotated.SIGNET_AGENT_SECRET)], [false, true]);
    const { records } = await h.ui.request('audit/query', { kind: 'agent.proof.issued' });
    assert.deepEqual([records.at(-1)?.data.generation, records.at(-1)?.data.rotated], [1, true]);
  });

  test("an agent's own shell command for another agent's proof is refused by the default rules, through the real hook", async () => {
    for (const command of ['signet git env --agent coder', 'signet --home /tmp/other approve 0000', 'cat .claude/settings.local.json']) {
      const input = JSON.stringify({ ...bashCall, cwd: h.workspace, tool_use_id: `toolu_${Math.random().toString(36).slice(2)}`, tool_input: { command } });
      const ran = await runCli(['--home', h.home, 'hook', 'claude-code', '--agent', 'claude-code'], input);
      assert.equal(ran.status, 0, ran.stderr);
      const output = JSON.parse(ran.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
      assert.equal(output.hookSpecificOutput.permissionDecision, 'deny', command);
      assert.match(output.hookSpecificOutput.permissionDecisionReason, /no-signet-authority-by-agents|no-agent-proofs/, command);
    }
  });
});
