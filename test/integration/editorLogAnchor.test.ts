// The editor's own anchor of the audit log (extension/src/timeline/editorLogAnchor.ts), against a real daemon
// process and the real CLI: it follows a log that grows, and it still catches a log that a process of the user
// rewrote and then re-anchored with `signet audit reanchor`, which moves the daemon's own anchor.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DaemonClient } from '../../daemon/src/client/daemonClient';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { readUiToken } from '../../daemon/src/keys/uiToken';
import { acceptCurrentLog, anchorBadgeText, checkLogAnchor, type AnchorStorage, type StoredLogAnchor } from '../../extension/src/timeline/editorLogAnchor';
import { runSignet, startDaemonProcess, stopDaemonProcess, type DaemonProcess } from '../support/cliProcess';
import { tempDir } from '../support/daemonHarness';

const fileKeystore = ['--keystore', 'file'];

function memoryStorage(): AnchorStorage & { saved: StoredLogAnchor | undefined } {
  const storage = {
    saved: undefined as StoredLogAnchor | undefined,
    get: () => storage.saved,
    set: async (anchor: StoredLogAnchor) => {
      storage.saved = anchor;
    },
  };
  return storage;
}

async function uiClient(home: string, daemon: DaemonProcess): Promise<DaemonClient> {
  const token = await readUiToken(openSecretStore({ kind: 'file', home }), home);
  assert.ok(token);
  return DaemonClient.connect({ port: daemon.port, token });
}

test("the editor's anchor follows a growing log, and catches a rewritten log even after signet audit reanchor moved the daemon's anchor", async () => {
  const home = tempDir('signet-anchor-');
  const storage = memoryStorage();
  let daemon = await startDaemonProcess(home, fileKeystore);
  let client = await uiClient(home, daemon);
  const ask = client.request.bind(client) as Parameters<typeof checkLogAnchor>[0];
  try {
    const first = await checkLogAnchor(ask, storage);
    assert.equal(first.kind, 'extends');
    assert.equal(first.kind === 'extends' && first.firstSeen, true);
    const firstSize = storage.saved?.size ?? 0;
    assert.ok(firstSize > 0);

    await client.request('agent/create', { name: 'coder' });
    const grown = await checkLogAnchor(ask, storage);
    assert.equal(grown.kind, 'extends', JSON.stringify(grown));
    assert.ok((storage.saved?.size ?? 0) > firstSize, 'the anchor moved forward with the log');
    const before = storage.saved;
    client.close();
    await stopDaemonProcess(daemon);

    // A same-user process rewrites history, removes what could tell, and re-anchors the daemon's log.
    const auditDir = join(home, 'audit');
    const path = join(auditDir, 'audit.log');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"name":"coder"', '"name":"cod3r"'));
    for (const derived of ['audit.tree', 'audit.offsets', 'checkpoint']) rmSync(join(auditDir, derived), { force: true });
    assert.equal((await runSignet(home, ['audit', 'reanchor'])).code, 0);
    daemon = await startDaemonProcess(home, fileKeystore);
    client = await uiClient(home, daemon);
    const askAgain = client.request.bind(client) as Parameters<typeof checkLogAnchor>[0];

    const caught = await checkLogAnchor(askAgain, storage);
    assert.equal(caught.kind, 'broken', JSON.stringify(caught));
    assert.deepEqual(storage.saved, before, 'a broken log does not move the anchor');
    assert.ok(caught.kind === 'broken' && caught.reanchor, 'the re-anchor record is found and named');
    assert.match(anchorBadgeText(caught).label, /re-anchored/);
    assert.match(anchorBadgeText(caught).detail, /Accept the Re-anchored Audit Log/);
    assert.equal((await checkLogAnchor(askAgain, storage)).kind, 'broken', 'it stays broken until the person accepts');

    if (caught.kind === 'broken') await acceptCurrentLog(storage, caught.current);
    assert.equal((await checkLogAnchor(askAgain, storage)).kind, 'extends', 'after the person accepts, the log as it is now is the anchor');
  } finally {
    client.close();
    await stopDaemonProcess(daemon, 'SIGKILL');
  }
});

test("a log that lost records since the editor saw it is caught, naming both sizes", async () => {
  const home = tempDir('signet-anchor-');
  const storage = memoryStorage();
  const daemon = await startDaemonProcess(home, fileKeystore);
  const client = await uiClient(home, daemon);
  try {
    const ask = client.request.bind(client) as Parameters<typeof checkLogAnchor>[0];
    await checkLogAnchor(ask, storage);
    const saved = storage.saved;
    assert.ok(saved);
    storage.saved = { ...saved, size: saved.size + 50 };
    const state = await checkLogAnchor(ask, storage);
    assert.equal(state.kind, 'broken');
    assert.match(state.kind === 'broken' ? state.reason : '', new RegExp(`fewer than the ${saved.size + 50}`));
    storage.saved = { ...saved, rootHash: Buffer.alloc(32, 1).toString('base64') };
    const other = await checkLogAnchor(ask, storage);
    assert.equal(other.kind, 'broken');
  } finally {
    client.close();
    await stopDaemonProcess(daemon, 'SIGKILL');
  }
});
