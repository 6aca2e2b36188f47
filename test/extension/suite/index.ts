// Extension-host tests: they run inside a real VS Code extension host (code-server's here, desktop
// VS Code's where @vscode/test-electron can download it) against a real daemon that the extension itself
// starts. test/extension/run.mjs gives them a fresh Signet home with the file keystore.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { DaemonClient } from '../../../daemon/src/client/daemonClient';
import type { AuthorizeResult, DaemonRuntimeFile } from '../../../daemon/src/server/protocol';
import { ensureDaemon } from '../../../extension/src/daemon/daemonProcess';
import { readUiTokenOf } from '../../../extension/src/daemon/uiCredentials';
import type { SignetApi } from '../../../extension/src/extension';
import { eventually, runAll, test } from './harness';

const EXTENSION_ID = 'signet-dev.signet';

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function equal<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function home(): string {
  const value = process.env.SIGNET_HOME;
  assert(value, 'SIGNET_HOME must be set by test/extension/run.mjs');
  return value;
}

function runtimeFile(): DaemonRuntimeFile {
  return JSON.parse(readFileSync(join(home(), 'daemon.json'), 'utf8')) as DaemonRuntimeFile;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function api(): Promise<SignetApi> {
  const extension = vscode.extensions.getExtension<SignetApi>(EXTENSION_ID);
  assert(extension, `${EXTENSION_ID} is not installed in this extension host`);
  // Activation must come from onStartupFinished, not from the test: wait for it instead of calling activate().
  await eventually('the extension is active', () => extension.isActive, 60_000);
  return extension.exports;
}

async function agentClient(): Promise<DaemonClient> {
  const runtime = runtimeFile();
  return DaemonClient.connect({ port: runtime.port, token: runtime.agentToken });
}

async function uiClient(): Promise<DaemonClient> {
  return DaemonClient.connect({ port: runtimeFile().port, token: await readUiTokenOf(home()) });
}

const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? home();

test('the extension activates by itself after startup and reports how long activation took', async () => {
  const signet = await api();
  assert(Number.isFinite(signet.activationMs) && signet.activationMs >= 0, `activationMs should be a duration, got ${signet.activationMs}`);
  console.log(`  activation took ${signet.activationMs.toFixed(2)} ms`);
});

test('every command the manifest contributes is registered', async () => {
  await api();
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  const contributed = (extension?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
  assert(contributed.length >= 10, `expected the manifest to contribute commands, found ${contributed.length}`);
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = contributed.filter((c) => !registered.has(c));
  equal(missing.join(', '), '', 'commands contributed but not registered');
});

test('with no daemon running, the extension starts the bundled one and connects to it as a UI client', async () => {
  const signet = await api();
  const { pid } = await signet.whenConnected(60_000);
  const state = signet.state();
  assert(state, 'the extension should report its state once started');
  equal(state.connection, 'connected', 'connection state');
  equal(state.startedDaemon, true, 'whether this window started the daemon');
  equal(state.home, home(), 'Signet home');
  equal(runtimeFile().pid, pid, 'the pid in daemon.json');
  assert(alive(pid), `the daemon (pid ${pid}) should be running`);
  const client = await agentClient();
  try {
    const status = await client.request('daemon/status', {});
    equal(status.pid, pid, 'the pid the daemon reports');
    equal(status.keystore, 'file', 'the keystore chosen by the signet.keystore setting');
  } finally {
    client.close();
  }
});

test('asking for the daemon again reuses the running one instead of starting a second', async () => {
  const signet = await api();
  const { pid } = await signet.whenConnected(30_000);
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert(extension, 'extension missing');
  const again = await ensureDaemon({ home: home(), cliPath: join(extension.extensionPath, 'dist', 'cli.js') });
  equal(again.started, false, 'whether a second daemon was started');
  equal(again.runtime.pid, pid, 'the daemon found');
  await vscode.commands.executeCommand('signet.reconnect');
  const after = await signet.whenConnected(30_000);
  equal(after.pid, pid, 'the daemon after reconnecting');
});

test('an agent request that nothing covers becomes a pending prompt, and Allow once lets exactly it through', async () => {
  const signet = await api();
  await signet.whenConnected(30_000);
  const agent = await agentClient();
  try {
    const asked = agent.request('authz/authorize', {
      agent: 'coder',
      cmd: '/mcp/tools/call',
      args: { server: 'files', tool: 'write_file', arguments: { path: 'src/auth.ts' } },
      workspace,
      createAgent: true,
    }, { timeoutMs: 60_000 });
    const id = await eventually('the request is pending in the extension', () => signet.state()?.pendingApprovals[0]);
    await eventually('its prompt is on screen', () => signet.state()?.visiblePrompts.includes(id));
    await vscode.commands.executeCommand('signet.approval.decide', id, 'once');
    const result: AuthorizeResult = await asked;
    equal(result.decision, 'allow', 'the decision the agent got');
    assert(result.decision === 'allow' && /^b[a-z2-7]+$/.test(result.invocationCid), 'an allowed request carries a signed invocation');
    equal(result.approvalId, id, 'the approval the allow came from');
    await eventually('the prompt is gone', () => signet.state()?.pendingApprovals.length === 0 && signet.state()?.visiblePrompts.length === 0);
  } finally {
    agent.close();
  }
});

test('a request decided elsewhere (another UI client) closes its prompt in this window', async () => {
  const signet = await api();
  await signet.whenConnected(30_000);
  const agent = await agentClient();
  const cli = await uiClient();
  try {
    const asked = agent.request('authz/authorize', {
      agent: 'coder',
      cmd: '/mcp/tools/call',
      args: { server: 'files', tool: 'delete_file', arguments: { path: 'src/old.ts' } },
      workspace,
    }, { timeoutMs: 60_000 });
    const id = await eventually('the request is pending in the extension', () => signet.state()?.pendingApprovals[0]);
    await eventually('its prompt is on screen', () => signet.state()?.visiblePrompts.includes(id));
    await cli.request('approval/decide', { id, decision: 'deny', decidedBy: 'cli' });
    const result = await asked;
    equal(result.decision, 'deny', 'the decision the agent got');
    assert(result.decision === 'deny' && result.code === 'denied-by-user', 'the denial names the user as its cause');
    await eventually('the prompt closed', () => signet.state()?.visiblePrompts.length === 0 && signet.state()?.pendingApprovals.length === 0);
  } finally {
    agent.close();
    cli.close();
  }
});

test('several requests at once are all kept, and each is decided on its own', async () => {
  const signet = await api();
  await signet.whenConnected(30_000);
  const agents = await Promise.all([agentClient(), agentClient(), agentClient(), agentClient()]);
  try {
    const asked = agents.map((client, i) =>
      client.request('authz/authorize', {
        agent: 'coder',
        cmd: '/mcp/tools/call',
        args: { server: 'files', tool: 'read_file', arguments: { path: `docs/${i}.md` } },
        workspace,
      }, { timeoutMs: 60_000 }),
    );
    const ids = await eventually('all four requests are pending', () => {
      const pending = signet.state()?.pendingApprovals ?? [];
      return pending.length === 4 ? pending : undefined;
    });
    // The editor shows three toasts at most; the fourth waits its turn rather than being dropped.
    equal(signet.state()?.visiblePrompts.length, 3, 'prompts on screen at once');
    for (const [i, id] of ids.entries()) {
      await vscode.commands.executeCommand('signet.approval.decide', id, i % 2 === 0 ? 'once' : 'deny');
    }
    const results = await Promise.all(asked);
    const decisions = results.map((r) => r.decision).sort();
    equal(decisions.join(','), 'allow,allow,deny,deny', 'the decisions the agents got');
    await eventually('no prompt is left', () => signet.state()?.visiblePrompts.length === 0);
  } finally {
    for (const a of agents) a.close();
  }
});

test('Create Agent makes an identity the daemon knows', async () => {
  const signet = await api();
  await signet.whenConnected(30_000);
  const name = await vscode.commands.executeCommand<string>('signet.createAgent', 'planner');
  equal(name, 'planner', 'the name Create Agent returned');
  const ui = await uiClient();
  try {
    const list = await ui.request('agent/list', {});
    assert(list.agents.some((a) => a.name === 'planner' && a.did.startsWith('did:key:z6Mk')), 'the daemon should list planner with an Ed25519 did:key');
  } finally {
    ui.close();
  }
});

test('Copy Agent Report returns the agent’s report from the daemon’s log, with the approval it was given', async () => {
  const signet = await api();
  await signet.whenConnected(30_000);
  // coder was allowed once by the test above, through a prompt of this window.
  const markdown = await vscode.commands.executeCommand<string | undefined>('signet.copyAgentReport', 'coder');
  assert(typeof markdown === 'string' && markdown.startsWith('## Signet report'), `the report, got ${String(markdown).slice(0, 80)}`);
  // Who gave it: the OS user in this window, as the extension stated it on its connection (client/describe).
  const window = vscode.workspace.name ? `window "${vscode.workspace.name}"` : 'a window with no folder';
  assert(markdown.includes(`| coder | write_file on files | once | ${userInfo().username} in ${vscode.env.appName}, ${window} (as the editor said) |`), `the report names the approval and who gave it, got ${markdown}`);
  assert(markdown.includes(join(workspace, 'src', 'auth.ts')), 'the report names the file');
});

test('Show Timeline opens the audit timeline webview', async () => {
  await api();
  await vscode.commands.executeCommand('signet.showTimeline');
  await eventually('a Signet Timeline tab is open', () =>
    vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label.startsWith('Signet Timeline'))),
  );
});

test('when the daemon dies, the extension starts a new one and reconnects by itself', async () => {
  const signet = await api();
  const { pid } = await signet.whenConnected(30_000);
  process.kill(pid, 'SIGKILL');
  await eventually('the old daemon is gone', () => !alive(pid));
  const next = await eventually(
    'the extension is connected to a new daemon',
    () => {
      const state = signet.state();
      return state?.connection === 'connected' && state.pid !== undefined && state.pid !== pid ? state.pid : undefined;
    },
    60_000,
  );
  assert(alive(next), 'the new daemon should be running');
  assert(existsSync(join(home(), 'daemon.json')), 'the new daemon wrote its runtime file');
  equal(runtimeFile().pid, next, 'the pid in daemon.json');
});

export function run(): Promise<void> {
  return runAll(process.env.SIGNET_TEST_RESULTS);
}
