// Signet's own state against a process of the same user that edits it while the daemon is stopped, or
// replays what it saw: each through the real CLI and socket, with the file keystore (the headless opt-in).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DaemonClient } from '../../daemon/src/client/daemonClient';
import { runSignet, startDaemonProcess, stopDaemonProcess } from '../support/cliProcess';
import { tempDir } from '../support/daemonHarness';

const fileKeystore = ['--keystore', 'file'];

describe('revocations cannot be undone offline', () => {
  test('a revoked delegation flipped back to active in delegations.json refuses the start, naming the seq that revoked it', async () => {
    const home = tempDir('signet-own-');
    let daemon = await startDaemonProcess(home, fileKeystore);
    try {
      assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
      const cid = (await runSignet(home, ['delegate', '--from', 'user', '--to', 'coder', '--cmd', '/fs/read'])).stdout.trim();
      assert.equal((await runSignet(home, ['revoke', cid])).code, 0);
      const tail = await runSignet(home, ['--json', 'audit', 'tail', '--limit', '100']);
      const revokedAt = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; data: { cid?: string } }).find((r) => r.kind === 'delegation.revoked' && r.data.cid === cid);
      assert.ok(revokedAt);
      await stopDaemonProcess(daemon);

      const path = join(home, 'delegations.json');
      const file = JSON.parse(readFileSync(path, 'utf8')) as { delegations: { revoked: boolean }[] };
      for (const d of file.delegations) d.revoked = false;
      writeFileSync(path, JSON.stringify(file));
      const refused = await runSignet(home, ['--json', 'daemon']);
      assert.equal(refused.code, 7, refused.stderr);
      const error = JSON.parse(refused.stderr.trim().split('\n').at(-1) as string) as { error: string; code: string; data: { seq: number; cid: string } };
      assert.equal(error.code, 'revoked-in-log');
      assert.equal(error.data.seq, revokedAt.seq);
      assert.equal(error.data.cid, cid);
      assert.match(error.error, new RegExp(`audit record ${revokedAt.seq} revoked it`));
      assert.match(error.error, /To recover: move .*delegations\.json aside/);

      // Put back as the log says, the daemon starts and the delegation is still revoked.
      for (const d of file.delegations) d.revoked = true;
      writeFileSync(path, JSON.stringify(file));
      daemon = await startDaemonProcess(home);
      const live = JSON.parse((await runSignet(home, ['--json', 'delegations', '--agent', 'coder'])).stdout) as { delegations: unknown[] };
      assert.deepEqual(live.delegations, []);
    } finally {
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('a delegation the log never issued, added to delegations.json offline, refuses the start', async () => {
    const home = tempDir('signet-own-');
    let daemon = await startDaemonProcess(home, fileKeystore);
    assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
    assert.equal((await runSignet(home, ['delegate', '--from', 'user', '--to', 'coder', '--cmd', '/fs/read'])).code, 0);
    await stopDaemonProcess(daemon);
    const path = join(home, 'delegations.json');
    const kept = readFileSync(path, 'utf8');
    // Another home's delegation, validly signed, copied in: the log of this home never issued it.
    const other = tempDir('signet-own-');
    daemon = await startDaemonProcess(other, fileKeystore);
    assert.equal((await runSignet(other, ['agent', 'create', 'coder'])).code, 0);
    assert.equal((await runSignet(other, ['delegate', '--from', 'user', '--to', 'coder', '--cmd', '/'])).code, 0);
    await stopDaemonProcess(daemon);
    const mine = JSON.parse(kept) as { delegations: unknown[] };
    mine.delegations.push(...(JSON.parse(readFileSync(join(other, 'delegations.json'), 'utf8')) as { delegations: unknown[] }).delegations);
    writeFileSync(path, JSON.stringify(mine));
    const refused = await runSignet(home, ['--json', 'daemon']);
    assert.equal(refused.code, 7, refused.stderr);
    assert.equal((JSON.parse(refused.stderr.trim().split('\n').at(-1) as string) as { code: string }).code, 'not-in-log');
  });
});

describe('an invocation is accepted once, across restarts', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`an invocation accepted before a ${signal} is refused as a replay after the restart`, async () => {
      const home = tempDir('signet-own-');
      let daemon = await startDaemonProcess(home, fileKeystore);
      try {
        assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
        assert.equal((await runSignet(home, ['delegate', '--from', 'user', '--to', 'coder', '--cmd', '/fs/read', '--ttl', '1h'])).code, 0);
        const allowed = JSON.parse((await runSignet(home, ['--json', 'authorize', '--agent', 'coder', '--cmd', '/fs/read', '--args', '{"path":"a"}'])).stdout) as { invocation: string; proofs: string[] };
        const present = async (port: number, token: string) => {
          const client = await DaemonClient.connect({ port, token });
          try {
            return await client.request('invocation/verify', { invocation: allowed.invocation, proofs: allowed.proofs });
          } finally {
            client.close();
          }
        };
        assert.equal((await present(daemon.port, daemon.agentToken)).ok, true);
        await stopDaemonProcess(daemon, signal);
        daemon = await startDaemonProcess(home);
        const replay = await present(daemon.port, daemon.agentToken);
        assert.equal(replay.ok, false);
        assert.match(replay.ok ? '' : replay.error.message, /replayed nonce/);
      } finally {
        await stopDaemonProcess(daemon, 'SIGKILL');
      }
    });
  }
});
