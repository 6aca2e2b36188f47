// The Protection view in the real workbench: an MCP server added to the workspace's config shows up red (the view
// watches the file), the status bar warns, Protect wraps it and it turns green; the hook likewise, until nothing is
// unprotected and the warning goes. Screenshots go to test-output/ui/protection/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Locator } from 'playwright-core';
import { Workbench, testWithScreenshots } from './workbench';

const vsix = process.env.SIGNET_VSIX;
const outDir = process.env.SIGNET_UI_OUT;
if (!vsix || !outDir) throw new Error('run the UI tests through test/ui/run.mjs, which packages the .vsix and sets SIGNET_VSIX and SIGNET_UI_OUT');

let bench: Workbench;
const test = testWithScreenshots(() => bench);

const protectionDir = join(outDir, 'protection');
// A user home of the test's own, so the clients found are the workspace's alone, not the machine's. Outside
// protectionDir, which Workbench.start empties.
const userHome = join(outDir, 'protection-user-home');

before(async () => {
  rmSync(userHome, { recursive: true, force: true });
  mkdirSync(userHome, { recursive: true });
  bench = await Workbench.start({ outDir: protectionDir, vsix, keystore: process.env.SIGNET_SECRET_SERVICE === 'private' ? undefined : 'file', env: { HOME: userHome } });
  await bench.statusBarItem().filter({ hasText: /^\s*Signet\s*$/ }).waitFor({ timeout: 90_000 });
});

after(async () => {
  if (!bench) return;
  await bench.closeWithDaemon();
});

function protectionRow(label: string): Locator {
  return bench.page.locator('.pane').filter({ has: bench.page.locator('.pane-header', { hasText: 'Protection' }) }).locator('.monaco-list-row').filter({ hasText: label });
}

const redIcon = '.codicon-error';
const greenIcon = '.codicon-pass-filled';

/**
 * Hovers `row` for its inline actions and clicks Protect. The tooltip of the row clicked before stays open while the
 * pointer rests there, and may lie over this row: the pointer leaves the view first, as a person's hand would.
 */
async function clickProtect(row: Locator): Promise<void> {
  await bench.page.mouse.move(0, 0);
  await bench.page.locator('.context-view .hover-contents').waitFor({ state: 'hidden' });
  await row.hover();
  await row.locator('.actions .action-label[aria-label="Protect"]').click();
}

const mcpConfig = () => join(bench.workspace, '.vscode', 'mcp.json');

test('a server added to .vscode/mcp.json shows up red in the Protection view, and the status bar warns', async () => {
  await bench.openAgentsView();
  await bench.page.locator('.pane-header', { hasText: 'Protection' }).waitFor();
  mkdirSync(join(bench.workspace, '.vscode'), { recursive: true });
  writeFileSync(mcpConfig(), `${JSON.stringify({ servers: { notes: { command: 'npx', args: ['-y', '@example/notes-server'] } } }, null, 2)}\n`);
  const row = protectionRow('server notes');
  await row.locator(redIcon).waitFor({ timeout: 60_000 });
  assert.match(await row.innerText(), /not wrapped by the proxy/);
  await protectionRow('hook PreToolUse').locator(redIcon).waitFor();
  await bench.page.locator('.statusbar-item').filter({ hasText: /2 unprotected/ }).waitFor();
  await bench.screenshot('protection-1-red');
});

test('Protect on the red server wraps it with the launcher, and it turns green', async () => {
  const row = protectionRow('server notes');
  await clickProtect(row);
  await row.locator(greenIcon).waitFor({ timeout: 60_000 });
  assert.match(await row.innerText(), /wrapped by the proxy/);
  const entry = (JSON.parse(readFileSync(mcpConfig(), 'utf8')) as { servers: Record<string, { command: string; args: string[] }> }).servers.notes;
  assert.equal(entry?.command, join(bench.home, 'bin', 'signet'));
  assert.deepEqual(entry?.args.slice(-4), ['--', 'npx', '-y', '@example/notes-server']);
  await bench.page.locator('.statusbar-item').filter({ hasText: /1 unprotected/ }).waitFor();
  await bench.screenshot('protection-2-server-green');
});

test('Protect on the red hook installs it failing closed, and with nothing left unprotected the warning goes', async () => {
  const row = protectionRow('hook PreToolUse');
  await clickProtect(row);
  await row.locator(greenIcon).waitFor({ timeout: 60_000 });
  const hooks = JSON.parse(readFileSync(join(bench.workspace, '.github', 'hooks', 'signet.json'), 'utf8')) as { hooks: { PreToolUse: { command: string }[] } };
  // The hooks' lean launcher, for VS Code's schema, with the fail-closed branch after it.
  assert.match(hooks.hooks.PreToolUse[0]?.command ?? '', /bin\/signet-hook .*\bvscode .*\|\| \{/);
  await bench.page.locator('.statusbar-item').filter({ hasText: /unprotected/ }).waitFor({ state: 'hidden' });
  await bench.screenshot('protection-3-all-green');
});
