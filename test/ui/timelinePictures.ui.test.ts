// UI test in the real workbench (code-server, the packaged .vsix, the daemon the extension starts, Chromium):
// who decided, as the OS user and the editor window; an approval made outside the editor flagged in the next
// prompt and in the Agents view; and the timeline's pictures drawn from that log — the activity strip and the
// delegation graph, each filtering the list when clicked, a revoked edge drawn as revoked, the editor's anchor.
// Screenshots go to test-output/ui/timeline-pictures/screenshots/.
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { after, before } from 'node:test';
import type { DaemonClient } from '../../daemon/src/client/daemonClient';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';
import { Workbench, testWithScreenshots } from './workbench';

const vsix = process.env.SIGNET_VSIX;
const outDir = process.env.SIGNET_UI_OUT;
if (!vsix || !outDir) throw new Error('run the UI tests through test/ui/run.mjs, which packages the .vsix and sets SIGNET_VSIX and SIGNET_UI_OUT');

let bench: Workbench;
let agent: DaemonClient;
let ui: DaemonClient;
const test = testWithScreenshots(() => bench);

function ask(agentName: string, tool: string, path: string): Promise<AuthorizeResult> {
  return agent.request('authz/authorize', { agent: agentName, cmd: '/mcp/tools/call', args: { server: 'files', tool, arguments: { path } }, workspace: bench.workspace, createAgent: true }, { timeoutMs: 90_000 });
}

async function pendingFor(agentName: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { pending } = await ui.request('approval/list', {});
    const found = pending.find((p) => p.agent.name === agentName);
    if (found) return found.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no request of ${agentName} became pending`);
}

before(async () => {
  bench = await Workbench.start({ outDir: join(outDir, 'timeline-pictures'), vsix, keystore: process.env.SIGNET_SECRET_SERVICE === 'private' ? undefined : 'file' });
  await bench.statusBarItem().filter({ hasText: /^\s*Signet\s*$/ }).waitFor({ timeout: 90_000 });
  agent = await bench.agentClient();
  ui = await bench.uiClient();
});

after(async () => {
  agent?.close();
  ui?.close();
  await bench?.closeWithDaemon();
});

test('a decision clicked in the prompt is recorded as the OS user in this editor window, with the verified process', async () => {
  const asked = ask('coder', 'write_file', 'src/auth.ts');
  await (await bench.findPrompt('auth.ts')).getByRole('link', { name: 'Allow once' }).click();
  const result = await asked;
  assert.equal(result.decision, 'allow');
  const { records } = await ui.request('audit/query', { kind: 'approval.decided' });
  const decided = records.find((r) => r.data.approvalId === (result.decision === 'allow' ? result.approvalId : ''));
  const decider = decided?.data.decider as { osUser: { name: string }; outsideEditor: boolean; place: { kind: string; workspace: string; processMatches: boolean; process: { verified: boolean } } } | undefined;
  assert.ok(decider, JSON.stringify(decided));
  assert.equal(decider.osUser.name, userInfo().username);
  assert.equal(decider.place.kind, 'editor');
  assert.equal(decider.place.workspace, basename(bench.workspace));
  assert.equal(decider.place.process.verified, true, 'the daemon found the extension host behind the socket');
  assert.equal(decider.place.processMatches, true);
  assert.equal(decider.outsideEditor, false);
});

test('an approval made by another process holding the UI token is flagged in the next prompt for that agent and in the Agents view', async () => {
  const first = ask('helper', 'read_file', 'README.md');
  // This test process is not the editor: it decides as a script that read the UI token would.
  await ui.request('approval/decide', { id: await pendingFor('helper'), decision: 'once', decidedBy: 'vscode' });
  assert.equal((await first).decision, 'allow');

  const later = ask('helper', 'read_file', 'src/auth.ts');
  const prompt = await bench.findPrompt('outside the editor');
  const text = await prompt.innerText();
  assert.match(text, /An earlier approval for this agent was made outside the editor, by .*node.* \(pid \d+/);
  assert.ok(text.includes(String(process.pid)), `the prompt names this test's process (pid ${process.pid}) as a parent or the decider: ${text}`);
  await bench.screenshot('7-prompt-outside-editor');
  await prompt.getByRole('link', { name: 'Deny' }).click();
  assert.equal((await later).decision, 'deny');

  await bench.openAgentsView();
  const row = bench.treeRow('helper').first();
  await row.filter({ hasText: 'approved outside the editor' }).waitFor();
  assert.doesNotMatch(await bench.treeRow('coder').first().innerText(), /outside the editor/);
});

test('the timeline draws the activity strip and the delegation graph from the log; clicking filters the list, and a revoked edge is drawn as revoked', async () => {
  await ui.request('agent/create', { name: 'planner' });
  await ui.request('delegation/issue', { from: 'user', to: 'planner', cmd: '/fs/read' });
  await ui.request('delegation/issue', { from: 'planner', to: 'coder', cmd: '/fs/read' });
  const revoked = await ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/git/commit' });
  await ui.request('delegation/revoke', { cid: revoked.cid });

  await bench.runCommand('Signet: Show Timeline');
  const frame = bench.timelineFrame();
  await frame.locator('#activity-strip .bar').first().waitFor();
  const stripAgents = await frame.locator('#activity-strip text.strip-agent').allTextContents();
  assert.deepEqual(stripAgents, ['coder', 'helper']);
  const edge = frame.locator(`#delegation-graph .edge[data-cid="${revoked.cid}"]`);
  await edge.waitFor();
  assert.equal(await edge.getAttribute('data-state'), 'revoked');
  assert.match((await edge.getAttribute('aria-label')) ?? '', /^user → coder: \/git\/commit.*\(revoked\)$/);
  assert.notEqual(await edge.locator('.edge-line').evaluate((e) => getComputedStyle(e).strokeDasharray), 'none', 'a revoked edge is dashed');
  assert.equal(await frame.locator('#delegation-graph .edge[data-state="live"]').count() >= 2, true);
  await frame.locator('#log-anchor[data-state="extends"]').waitFor();

  // The decider of the write_file approval, on the row that groups its request, decision and authorization.
  const approved = frame.locator('#events .row[data-kinds~="approval.decided"]').filter({ hasText: 'auth.ts' }).filter({ hasText: 'coder' }).first();
  await approved.click();
  assert.equal(await frame.locator('#decided-by').innerText(), `${userInfo().username} in code-server, window "${basename(bench.workspace)}" (as the editor said)`);
  assert.match(await frame.locator('#steps').innerText(), /approval\.requested[\s\S]*approval\.decided[\s\S]*authorize\.allowed/);
  await frame.locator('#events .badge.outside-editor').first().waitFor();
  await bench.screenshot('6-timeline-pictures');

  // A bar with activity filters the list to that agent and minute.
  const bar = frame.locator('#activity-strip .bar[data-agent="helper"]').filter({ has: frame.locator('.bar-allowed, .bar-asked, .bar-denied') }).last();
  await bar.click();
  await frame.locator('#picture-filter:not([hidden])').filter({ hasText: 'helper' }).waitFor();
  const agents = await frame.locator('#events .row:not([hidden]) .agent').allInnerTexts();
  assert.ok(agents.length > 0 && agents.every((a) => a === 'helper'), agents.join(','));
  await frame.locator('#picture-filter button.clear').click();

  // The revoked edge filters the list to the records of that delegation: issued, then revoked.
  // Clicked on its label, as a person would: edges fan out, so the middle of an edge's box may be another's.
  await edge.locator('.edge-label').click();
  await frame.locator('#picture-filter:not([hidden])').filter({ hasText: '/git/commit' }).waitFor();
  const kinds = await frame.locator('#events .row:not([hidden])').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.kind));
  assert.deepEqual(kinds, ['delegation.revoked', 'delegation.issued']);
  await edge.locator('.edge-label').click();
  await frame.locator('#picture-filter[hidden]').waitFor({ state: 'attached' });

  // A node selects its agent; the keyboard reaches the graph's items.
  await frame.locator('#delegation-graph .node[data-agent="planner"]').click();
  assert.equal(await frame.locator('#filter-agent').inputValue(), 'planner');
  await frame.locator('#delegation-graph .node').first().focus();
  await bench.page.keyboard.press('ArrowRight');
  assert.equal(await frame.locator('#delegation-graph :focus').count(), 1, 'an arrow key moves the focus to the next item of the graph');
});
