// The timeline bundle (dist/webview.js) on its own in Chromium, under the same strict CSP as in the editor,
// fed 100,000 events through the webview message protocol: virtual scrolling, keyboard navigation,
// filters, live appends, and signature checks of real invocations signed by the daemon's code.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AuditRecord } from '../../daemon/src/server/protocol';
import { Ed25519Signer, cidOf, encodeInvocationWith } from '../../daemon/src/ucan/index';
import type { ExtensionToWebview } from '../../webview/src/protocol';
import { CHROMIUM_ARGS } from './workbench';

const root = join(import.meta.dirname, '..', '..');
const nonce = randomBytes(18).toString('base64');
let server: Server;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

const userSigner = Ed25519Signer.fromSeed(randomBytes(32));
const coder = Ed25519Signer.fromSeed(randomBytes(32));
const planner = Ed25519Signer.fromSeed(randomBytes(32));

function invocationToken(signer: Ed25519Signer): { token: string; cid: string } {
  const bytes = encodeInvocationWith(
    { iss: signer.did, sub: userSigner.did, cmd: '/mcp/tools/call', args: { tool: 'read_file' }, prf: [], nonce: randomBytes(12), exp: null },
    signer,
  );
  return { token: Buffer.from(bytes).toString('base64'), cid: cidOf(bytes) };
}

function records(): AuditRecord[] {
  const out: AuditRecord[] = [];
  const time = Date.UTC(2026, 0, 1);
  for (let seq = 0; seq < 100_000; seq++) {
    const agent = seq % 3 === 0 ? planner.did : coder.did;
    out.push({
      seq,
      time: new Date(time + seq * 1000).toISOString(),
      agent,
      kind: seq % 7 === 0 ? 'authorize.denied' : 'authorize.allowed',
      data: { cmd: '/mcp/tools/call', args: { tool: 'read_file', arguments: { path: `/repo/file-${seq}.ts` } }, reason: 'denied by vscode', chain: [] },
    });
  }
  // The two newest allowed events carry real envelopes: one intact, one whose signature was altered.
  const good = invocationToken(coder);
  const bad = invocationToken(coder);
  const badBytes = Buffer.from(bad.token, 'base64');
  badBytes[20] = (badBytes[20] ?? 0) ^ 1;
  out[99_998] = { ...out[99_998]!, agent: coder.did, kind: 'authorize.allowed', data: { ...out[99_998]!.data, invocation: good.cid, token: good.token } };
  out[99_999] = { ...out[99_999]!, agent: coder.did, kind: 'authorize.allowed', data: { ...out[99_999]!.data, invocation: bad.cid, token: badBytes.toString('base64') } };
  return out;
}

function html(origin: string): string {
  const csp = `default-src 'none'; style-src ${origin}; script-src 'nonce-${nonce}'; img-src data:`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${origin}/webview.css"></head>
<body><div id="app"></div>
<script nonce="${nonce}">
window.__posted = [];
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => undefined });
</script>
<script nonce="${nonce}" src="${origin}/webview.js"></script></body></html>`;
}

async function send(message: ExtensionToWebview): Promise<void> {
  // Runs in the page; typed through globalThis because this file is compiled without the DOM library.
  await page.evaluate((m) => (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(m, '*'), message);
}

function visibleRows(): Promise<number> {
  return page.locator('#events .row:not([hidden])').count();
}

before(async () => {
  server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = req.url === '/webview.js' ? 'webview.js' : req.url === '/webview.css' ? 'webview.css' : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(readFileSync(join(root, 'dist', file)));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html(origin));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({ executablePath: process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.setDefaultTimeout(20_000);
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await send({
    type: 'init',
    user: { did: userSigner.did, name: 'user' },
    agents: [
      { name: 'coder', did: coder.did, createdAt: '2026-01-01T00:00:00Z' },
      { name: 'planner', did: planner.did, createdAt: '2026-01-01T00:00:00Z' },
    ],
    delegations: [],
    records: records(),
    truncated: false,
    focusAgent: null,
  });
  await page.locator('#app[data-state="ready"]').waitFor();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('100,000 events load, and only the rows in view exist in the page', async () => {
  assert.equal(await page.locator('#count').innerText(), '100,000 of 100,000 events');
  const rows = await visibleRows();
  assert.ok(rows > 10 && rows < 100, `expected a window of rows, found ${rows}`);
  assert.equal(await page.locator('#events .row').first().getAttribute('data-seq'), '99999', 'newest first');
});

test('the activity strip and the delegation graph of 100,000 events are drawn, with an accessible name on every bar', async () => {
  const bars = page.locator('#activity-strip .bar');
  assert.equal(await bars.count(), 2 * 28, 'two agents, 28 hours of one event a second, per hour');
  const labels = await bars.evaluateAll((all) => all.map((b) => b.getAttribute('aria-label') ?? ''));
  assert.ok(labels.every((l) => /^(coder|planner), \d\d-\d\d \d\d:00–\d\d-\d\d \d\d:00 UTC: \d+ allowed, \d+ asked, \d+ denied$/.test(l)), labels[0]);
  // No delegations in this log: the user and both agents are drawn, with no edge between them.
  assert.equal(await page.locator('#delegation-graph .edge').count(), 0);
  assert.deepEqual(await page.locator('#delegation-graph .node').evaluateAll((all) => all.map((n) => n.getAttribute('aria-label'))), ['user (the root of every delegation): show all agents', 'agent coder: show its events', 'agent planner: show its events']);
});

test('the keyboard walks the list: End jumps to the oldest event, Home back to the newest', async () => {
  await page.locator('#events').focus();
  await page.keyboard.press('End');
  await page.locator('#details h2').waitFor();
  assert.match(await page.locator('#details').innerText(), /#0 authorize\.denied/);
  assert.ok((await visibleRows()) < 100, 'still only a window of rows after jumping to the end');
  assert.equal(await page.locator('#events').getAttribute('aria-activedescendant'), 'event-0');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.locator('#events').getAttribute('aria-activedescendant'), 'event-1');
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#events').getAttribute('aria-activedescendant'), 'event-99999');
  assert.match(await page.locator('#details').innerText(), /#99999/);
});

test('filters by agent, kind, outcome and text narrow the list', async () => {
  await page.locator('#filter-agent').selectOption('planner');
  await page.locator('#count', { hasText: '33,333 of 100,000 events' }).waitFor();
  await page.locator('#filter-outcome').selectOption('denied');
  await page.locator('#count', { hasText: '4,762 of 100,000 events' }).waitFor();
  await page.locator('#filter-agent').selectOption('');
  await page.locator('#filter-outcome').selectOption('');
  await page.locator('#filter-kind').selectOption('authorize.denied');
  await page.locator('#count', { hasText: '14,286 of 100,000 events' }).waitFor();
  await page.locator('#filter-kind').selectOption('');
  await page.locator('#filter-text').fill('file-4242.ts');
  await page.locator('#count', { hasText: '1 of 100,000 events' }).waitFor();
  assert.equal(await page.locator('#events .row:not([hidden])').getAttribute('data-seq'), '4242');
  await page.locator('#filter-text').fill('');
  await page.locator('#count', { hasText: '100,000 of 100,000 events' }).waitFor();
});

test('each invocation shown is re-verified in the view: a real signature passes, an altered one fails', async () => {
  await page.locator('#events').evaluate((e) => (e.scrollTop = 0));
  const good = page.locator('#events .row[data-seq="99998"] .badge');
  const bad = page.locator('#events .row[data-seq="99999"] .badge');
  await page.locator('#events .row[data-seq="99998"] .badge[data-verified="verified"]').waitFor();
  await page.locator('#events .row[data-seq="99999"] .badge[data-verified="invalid"]').waitFor();
  assert.equal(await good.innerText(), '✓ verified');
  assert.equal(await bad.innerText(), '✗ invalid');
  await page.locator('#events .row[data-seq="99999"]').click();
  assert.match(await page.locator('#details .signature').innerText(), /Signature invalid: the Ed25519 signature does not match/);
});

test('a live event appears on top without reloading the list', async () => {
  await send({
    type: 'append',
    records: [{ seq: 100_000, time: new Date().toISOString(), agent: coder.did, kind: 'approval.requested', data: { cmd: '/mcp/tools/call', args: { tool: 'write_file' } } }],
  });
  await page.locator('#count', { hasText: '100,001 of 100,001 events' }).waitFor();
  assert.equal(await page.locator('#events .row').first().getAttribute('data-seq'), '100000');
  assert.match(await page.locator('#events .row[data-seq="100000"]').innerText(), /coder[\s\S]*approval\.requested[\s\S]*asks for write_file/);
});

test('a log the daemon found altered is flagged in the toolbar, with the records concerned', async () => {
  await send({
    type: 'logVerification',
    result: { ok: false, records: 100_001, rootHash: 'ab'.repeat(32), problems: [{ seq: 17, kind: 'leaf-mismatch', message: 'record 17 was changed' }], verifiedAt: new Date().toISOString() },
    error: null,
  });
  const badge = page.locator('#log-integrity[data-state="failed"]');
  await badge.waitFor();
  assert.equal(await badge.innerText(), '✗ Log altered (1 problem)');
  assert.match((await badge.getAttribute('title')) ?? '', /#17 leaf-mismatch: record 17 was changed/);
  await badge.click();
  const posted = await page.evaluate(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.map((m) => m.type));
  assert.ok(posted.includes('verifyLog'), 'clicking asks the extension to check again');
});

test("the editor's anchor shows as a second badge, and a log that no longer extends it is flagged with why", async () => {
  await send({ type: 'logAnchor', state: 'extends', label: "⚓ Extends the editor's anchor (100,001)", detail: 'the log still extends what this editor saw' });
  await page.locator('#log-anchor[data-state="extends"]').waitFor();
  await send({ type: 'logAnchor', state: 'broken', label: '⚓ Log re-anchored: history not proven', detail: 'the log of 12 records does not extend the 100,001 this editor saw. The daemon\'s log says it was re-anchored at seq 11' });
  const badge = page.locator('#log-anchor[data-state="broken"]');
  await badge.waitFor();
  assert.equal(await badge.innerText(), '⚓ Log re-anchored: history not proven');
  assert.match((await badge.getAttribute('title')) ?? '', /re-anchored at seq 11/);
  assert.match((await badge.getAttribute('aria-label')) ?? '', /^⚓ Log re-anchored: history not proven\. the log of 12 records/);
});

test('the strict CSP was never violated and Copy goes through the typed protocol', async () => {
  await page.locator('#events .row[data-seq="99998"]').click();
  await page.locator('#details button.copy').first().click();
  const posted = await page.evaluate(() => (globalThis as unknown as { __posted: unknown[] }).__posted);
  assert.ok(posted.some((m) => typeof m === 'object' && m !== null && (m as { type: string }).type === 'copy'), JSON.stringify(posted));
  assert.deepEqual(cspViolations, []);
});
