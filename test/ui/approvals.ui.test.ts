// UI tests: the packaged .vsix installed in code-server, a real daemon (started by the extension), real
// agent requests over the daemon's socket, and Chromium clicking the real prompts, tree and timeline.
// Screenshots of the prompt, the agents view and the timeline go to test-output/ui/screenshots/.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DaemonClient } from '../../daemon/src/client/daemonClient';
import type { AuthorizeParams, AuthorizeResult, ToolAnnotations } from '../../daemon/src/server/protocol';
import { Workbench, testWithScreenshots } from './workbench';

const vsix = process.env.SIGNET_VSIX;
const outDir = process.env.SIGNET_UI_OUT;
if (!vsix || !outDir) throw new Error('run the UI tests through test/ui/run.mjs, which packages the .vsix and sets SIGNET_VSIX and SIGNET_UI_OUT');

let bench: Workbench;
const test = testWithScreenshots(() => bench);
let agent: DaemonClient;

function ask(tool: string, path: string, server = 'files', more: { agent?: string; arguments?: Record<string, unknown>; toolAnnotations?: ToolAnnotations } = {}): Promise<AuthorizeResult> {
  const params: AuthorizeParams = {
    agent: more.agent ?? 'coder',
    cmd: '/mcp/tools/call',
    args: { server, tool, arguments: { path, ...more.arguments } },
    workspace: bench.workspace,
    createAgent: true,
    ...(more.toolAnnotations ? { toolAnnotations: more.toolAnnotations } : {}),
  };
  return agent.request('authz/authorize', params, { timeoutMs: 90_000 });
}

/** Resolves with the result if the request settles within `ms`, else undefined (it is still waiting). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

before(async () => {
  bench = await Workbench.start({ outDir, vsix, keystore: process.env.SIGNET_SECRET_SERVICE === 'private' ? undefined : 'file' });
  // The extension starts the daemon by itself; the status bar says when it is connected.
  await bench.statusBarItem().filter({ hasText: /^\s*Signet\s*$/ }).waitFor({ timeout: 90_000 });
  agent = await bench.agentClient();
});

after(async () => {
  agent?.close();
  if (bench) {
    await bench.closeWithDaemon();
  }
});

test('a real pending request shows a prompt naming the agent, the command and the exact target', async () => {
  const asked = ask('write_file', 'src/auth.ts');
  const prompt = bench.prompt('write_file');
  await prompt.waitFor();
  const text = await prompt.innerText();
  assert.match(text, /coder/);
  assert.match(text, /\/mcp\/tools\/call/);
  assert.ok(text.includes(`${bench.workspace}/src/auth.ts`), `the prompt should show the canonical path, got: ${text}`);
  // No annotations came with it: by MCP's defaults the tool may change things, so the session is not an easy choice.
  assert.ok(await prompt.getByText('⚠ may change things (no annotations)').first().isVisible(), `the prompt says the tool may change things: ${text}`);
  for (const choice of ['Allow once', 'More…', 'Deny']) {
    assert.ok(await prompt.getByRole('link', { name: choice }).isVisible(), `the prompt offers "${choice}"`);
  }
  assert.ok(!(await prompt.getByRole('link').allInnerTexts()).includes('Allow for session'), 'no "Allow for session" among the easy choices');
  assert.match(text, /left/, 'the prompt shows the time left');
  await bench.screenshot('1-prompt');
  // Nothing decided yet: the agent is still waiting.
  assert.equal(await settledWithin(asked, 500), undefined);
  await prompt.getByRole('link', { name: 'Allow once' }).click();
  const result = await asked;
  assert.equal(result.decision, 'allow');
});

test('the daemon the installed extension started signs with the libsodium binary shipped in the package', async () => {
  const status = await agent.request('daemon/status', {});
  assert.equal(status.ed25519, 'libsodium');
});

test('clicking Allow once lets the request through, and the daemon holds the delegation it minted', async () => {
  const asked = ask('write_file', 'src/session.ts');
  const prompt = await bench.findPrompt('session.ts');
  await prompt.getByRole('link', { name: 'Allow once' }).click();
  const result = await asked;
  assert.equal(result.decision, 'allow');
  assert.ok(result.decision === 'allow' && result.approvalId, 'the allow comes from the approval');
  await prompt.waitFor({ state: 'detached' });
  const ui = await bench.uiClient();
  try {
    const { delegations } = await ui.request('delegation/list', { agent: 'coder', includeInactive: true });
    const minted = delegations.find((d) => d.cid === result.chain[0]);
    assert.ok(minted, `the daemon should hold the delegation ${result.chain[0]}`);
    assert.equal(minted.source, 'approval');
    assert.equal(minted.issuer.name, 'user');
    assert.equal(minted.audience.name, 'coder');
    assert.equal(minted.singleUse, true);
  } finally {
    ui.close();
  }
});

test('Deny refuses the request and the denial is audited', async () => {
  const asked = ask('delete_file', 'src/legacy.ts');
  await (await bench.findPrompt('delete_file')).getByRole('link', { name: 'Deny' }).click();
  const result = await asked;
  assert.equal(result.decision, 'deny');
  assert.ok(result.decision === 'deny' && result.code === 'denied-by-user', 'the denial names the user');
  const ui = await bench.uiClient();
  try {
    const { records } = await ui.request('audit/query', { kind: 'authorize.denied' });
    const denial = records.find((r) => r.data.approvalId === result.approvalId);
    assert.ok(denial, 'the audit log holds the denial');
    const { records: decided } = await ui.request('audit/query', { kind: 'approval.decided' });
    const decision = decided.find((r) => r.data.approvalId === result.approvalId);
    assert.equal(decision?.data.decision, 'deny');
    assert.equal(decision?.data.decidedBy, 'vscode');
  } finally {
    ui.close();
  }
});

test('the audit timeline shows the denial and the allowed call with its chain, read from the webview', async () => {
  await bench.runCommand('Signet: Show Timeline');
  const frame = bench.timelineFrame();
  const denied = frame.locator('[data-kind="authorize.denied"]').filter({ hasText: 'delete_file' }).first();
  await denied.waitFor();
  assert.match(await denied.innerText(), /coder/);
  await denied.click();
  const details = frame.locator('#details');
  await details.getByText('denied-by-user').first().waitFor();
  // The daemon recomputed the whole log's Merkle tree for the panel.
  await frame.locator('#log-integrity[data-state="verified"]').waitFor();
  assert.match(await frame.locator('#log-integrity').innerText(), /Log intact/);

  const allowed = frame.locator('[data-kind="authorize.allowed"]').filter({ hasText: 'session.ts' }).first();
  await allowed.click();
  await details.locator('.chain .hop').first().waitFor();
  const chainText = await details.locator('.chain').innerText();
  assert.match(chainText, /user/);
  assert.match(chainText, /coder/);
  assert.match(chainText, /bafy/, 'the chain shows CIDs');
  const badge = allowed.locator('.badge');
  await badge.filter({ hasNotText: '…' }).waitFor();
  // The log carries each allowed invocation's envelope, and the webview re-verifies its signature itself.
  assert.equal(await badge.getAttribute('data-verified'), 'verified');

  // Filters: by outcome, then by text.
  await frame.locator('#filter-outcome').selectOption('denied');
  await frame.locator('[data-kind="authorize.allowed"]').first().waitFor({ state: 'detached' });
  assert.ok(await frame.locator('[data-kind="authorize.denied"]').first().isVisible());
  await frame.locator('#filter-outcome').selectOption('');
  await frame.locator('#filter-text').fill('session.ts');
  await frame.locator('[data-kind="authorize.denied"]').first().waitFor({ state: 'detached' });
  await frame.locator('#filter-text').fill('');
  await frame.locator('[data-kind="authorize.denied"]').first().waitFor();
  // Selected again for the screenshot: the event, its details, and its chain with CIDs.
  await frame.locator('[data-kind="authorize.allowed"]').filter({ hasText: 'session.ts' }).first().click();
  await details.locator('.chain .hop').first().waitFor();
  await bench.screenshot('3-timeline');
});

test('Revoke in the Agents view takes the right away: the next request prompts again', async () => {
  // A right for an hour on one tool, chosen under More….
  const first = ask('read_file', 'README.md');
  await (await bench.findPrompt('read_file')).getByRole('link', { name: 'More…' }).click();
  const choice = bench.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'For 1 h, on this tool read_file' });
  await choice.click();
  assert.equal((await first).decision, 'allow');
  // Covered now: the same tool on another file goes through without a prompt.
  const covered = await settledWithin(ask('read_file', 'src/auth.ts'), 15_000);
  assert.equal(covered?.decision, 'allow', 'a covered request is allowed without asking');

  await bench.openAgentsView();
  const agentRow = bench.treeRow('coder').first();
  await agentRow.waitFor();
  if ((await agentRow.getAttribute('aria-expanded')) === 'false') {
    await agentRow.click();
    await bench.page.keyboard.press('ArrowRight');
  }
  const delegationRow = bench.treeRow('read_file').first();
  await delegationRow.waitFor();
  // Expanded, the delegation shows its chain of issuers back to the user.
  await delegationRow.click();
  await bench.page.keyboard.press('ArrowRight');
  await bench.treeRow('user → coder').first().waitFor();
  await bench.screenshot('2-agents');
  // The row's inline Revoke action (the same command as its context menu's Revoke).
  await delegationRow.hover();
  await delegationRow.locator('.actions .action-label[aria-label="Revoke"]').click();
  await bench.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Revoke' }).click();
  await delegationRow.waitFor({ state: 'detached' });

  const again = ask('read_file', 'docs/guide.md');
  const prompt = await bench.findPrompt('guide.md');
  await prompt.getByRole('link', { name: 'Deny' }).click();
  assert.equal((await again).decision, 'deny');
  await prompt.waitFor({ state: 'detached' });
});

test('two simultaneous requests both get their own prompt and are both decided', async () => {
  // Declared harmless by its server, so Allow for session is among its easy choices.
  const a = ask('rename_file', 'src/a.ts', 'files', { toolAnnotations: { readOnlyHint: false, destructiveHint: false } });
  const b = ask('chmod_file', 'src/b.ts');
  const promptA = await bench.findPrompt('rename_file');
  const promptB = await bench.findPrompt('chmod_file');
  await bench.statusBarItem().filter({ hasText: '2 pending' }).waitFor();
  await bench.screenshot('4-two-prompts');
  await promptB.getByRole('link', { name: 'Deny' }).click();
  await promptA.getByRole('link', { name: 'Allow for session' }).click();
  const [resultA, resultB] = await Promise.all([a, b]);
  assert.equal(resultA.decision, 'allow');
  assert.equal(resultB.decision, 'deny');
  await bench.statusBarItem().filter({ hasText: /^\s*Signet\s*$/ }).waitFor();
});

test('Show Diff opens the diff editor between the file on disk and what the edit would write, and the request stays decidable', async () => {
  // An agent of its own: coder holds a session approval from the test before.
  const asked = ask('edit_file', 'src/auth.ts', 'files', { agent: 'editor', arguments: { edits: [{ oldText: '3600', newText: '900' }] } });
  const prompt = await bench.findPrompt('edit_file');
  // The prompt says what changes, and shows no edits as JSON.
  await prompt.getByText('auth.ts: +1 −1').waitFor();
  assert.doesNotMatch(await prompt.innerText(), /oldText/);
  await prompt.getByRole('link', { name: 'Show Diff' }).click();
  const diff = bench.page.locator('.monaco-diff-editor');
  await diff.waitFor();
  await bench.page.locator('.tab').filter({ hasText: 'auth.ts: proposed by editor (+1 −1)' }).waitFor();
  await diff.locator('.editor.original').getByText('3600').waitFor();
  await diff.locator('.editor.modified').getByText('900').waitFor();
  await bench.screenshot('5-diff');
  // Nothing was decided by looking: the agent still waits, and the prompt still decides.
  assert.equal(await settledWithin(asked, 500), undefined);
  await bench.statusBarItem().filter({ hasText: '1 pending' }).waitFor();
  await (await bench.findPrompt('edit_file')).getByRole('link', { name: 'Deny' }).click();
  assert.equal((await asked).decision, 'deny');
});
