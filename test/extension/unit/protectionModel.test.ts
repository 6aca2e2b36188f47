// The Protection view's model: which nodes a doctor report becomes, which are red, and which offer Protect or Show Fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DoctorReport } from '../../../daemon/src/doctor/doctorReport';
import { isDoctorReport } from '../../../extension/src/protection/doctorCli';
import { childNodes, fixText, nodeLook, problemCount, reportChanged, rootNodes } from '../../../extension/src/protection/protectionModel';

const report: DoctorReport = {
  ok: false,
  home: '/h',
  workspace: '/w',
  launcher: '/h/bin/signet',
  probed: true,
  clients: [
    {
      client: 'vscode',
      label: 'VS Code',
      found: true,
      items: [
        { id: 's1', kind: 'server', client: 'vscode', name: 'safe', ok: true, summary: 'wrapped by the proxy', problems: [], probe: { outcome: 'refused', ok: true, detail: 'refused by Signet' } },
        { id: 's2', kind: 'server', client: 'vscode', name: 'raw', ok: false, summary: 'not wrapped', problems: ['its calls go straight to the server'], fix: 'signet protect --client vscode --no-hooks', protect: { args: ['protect', '--client', 'vscode', '--no-hooks'] } },
        { id: 's3', kind: 'server', client: 'vscode', name: 'old', ok: false, summary: 'cannot be wrapped', problems: ['legacy SSE'], fix: 'Change the entry by hand.' },
      ],
    },
    { client: 'cursor', label: 'Cursor', found: false, items: [] },
  ],
  environment: [
    { name: 'daemon', ok: true, summary: 'answers' },
    { name: 'keychain', ok: false, summary: 'locked', fix: 'Unlock it.' },
  ],
};

test('clients not set up here are left out, and Signet itself is always shown', () => {
  assert.deepEqual(rootNodes(report).map((n) => nodeLook(n).label), ['VS Code', 'Signet']);
});

test('a client with a red item is red and says how many, and each item keeps its own colour', () => {
  const [vscode] = rootNodes(report);
  assert.ok(vscode);
  assert.deepEqual([nodeLook(vscode).ok, nodeLook(vscode).description], [false, '2 unprotected']);
  assert.deepEqual(childNodes(vscode).map((n) => [nodeLook(n).label, nodeLook(n).ok]), [['server safe', true], ['server raw', false], ['server old', false]]);
  assert.match(nodeLook(childNodes(vscode)[0]!).description, /probe refused ✓/);
});

test('a red item signet protect can fix offers Protect; one it cannot offers Show Fix; a green one neither', () => {
  const [vscode] = rootNodes(report);
  assert.deepEqual(childNodes(vscode!).map((n) => nodeLook(n).contextValue), ['signet.protection.ok', 'signet.protection.protectable', 'signet.protection.fixOnly']);
  const signet = rootNodes(report)[1]!;
  assert.deepEqual(childNodes(signet).map((n) => nodeLook(n).contextValue), ['signet.protection.ok', 'signet.protection.fixOnly']);
});

test('Show Fix gives the problems and the fix, and a command to copy when the fix is one', () => {
  const [, raw, old] = childNodes(rootNodes(report)[0]!);
  assert.equal(fixText(raw!)?.command, 'signet protect --client vscode --no-hooks');
  assert.match(fixText(old!)?.detail ?? '', /legacy SSE[\s\S]*Fix: Change the entry by hand\./);
  assert.equal(fixText(old!)?.command, undefined);
});

test('the status bar count covers red items and failed checks', () => {
  assert.equal(problemCount(report), 3);
});

test('only a value shaped like a doctor report is taken from the CLI', () => {
  assert.equal(isDoctorReport(report), true);
  assert.equal(isDoctorReport({ ok: true }), false);
  assert.equal(isDoctorReport({ ok: true, environment: [], clients: [{ client: 'vscode', label: 'VS Code', items: [{ id: 1 }] }] }), false);
});

test('the tree is redrawn for a report that differs, and not for the same report again', () => {
  assert.equal(reportChanged(undefined, report), true, 'the first report draws the tree');
  assert.equal(reportChanged(report, structuredClone(report)), false, 'an equal report found by a second run draws nothing');
  const protectedRaw = structuredClone(report);
  protectedRaw.clients[0]!.items[1] = { ...protectedRaw.clients[0]!.items[1]!, ok: true, summary: 'wrapped by the proxy', problems: [] };
  assert.equal(reportChanged(report, protectedRaw), true, 'an item that turned green is drawn');
});
