// Signet's own state against a process of the same user that edits it while the daemon is stopped, or
// replays what it saw: each through the real CLI and socket, with the file keystore (the headless opt-in).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DaemonClient } from '../../daemon/src/client/daemonClient';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { readUiToken } from '../../daemon/src/keys/uiToken';
import type { AgentListResult, ApprovalRequest } from '../../daemon/src/server/protocol';
import { cliPath, exited, pendingApprovalId, runSignet, startDaemonProcess, stopDaemonProcess } from '../support/cliProcess';
import { nextNotification, tempDir, withHarness } from '../support/daemonHarness';

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

describe('a laundered audit log is caught without a saved checkpoint', () => {
  test('an edited log with its checkpoint and index deleted fails audit verify and refuses the start; audit reanchor recovers on purpose and records what was lost', async () => {
    const home = tempDir('signet-own-');
    const auditDir = join(home, 'audit');
    let daemon = await startDaemonProcess(home, fileKeystore);
    assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
    await stopDaemonProcess(daemon);
    const clean = await runSignet(home, ['audit', 'verify']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /anchored in .*the log matches it/);

    // Rewrite history so that the log still parses, and remove everything in the folder that could tell.
    const path = join(auditDir, 'audit.log');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('"name":"coder"'));
    writeFileSync(path, text.replace('"name":"coder"', '"name":"cod3r"'));
    for (const derived of ['audit.tree', 'audit.offsets', 'checkpoint']) rmSync(join(auditDir, derived), { force: true });

    const verify = await runSignet(home, ['--json', 'audit', 'verify']);
    assert.equal(verify.code, 6, verify.stdout + verify.stderr);
    const report = JSON.parse(verify.stdout) as { problems: { kind: string; message: string }[] };
    assert.ok(report.problems.some((p) => p.kind === 'root-mismatch' && /anchored in/.test(p.message)), verify.stdout);

    const refused = await runSignet(home, ['--json', 'daemon']);
    assert.equal(refused.code, 7, refused.stderr);
    const error = JSON.parse(refused.stderr.trim().split('\n').at(-1) as string) as { error: string; code: string; data: { seq: number } };
    assert.equal(error.code, 'unanchored');
    assert.equal(typeof error.data.seq, 'number');
    assert.match(error.error, /signet audit reanchor/);

    const reanchored = await runSignet(home, ['--json', 'audit', 'reanchor']);
    assert.equal(reanchored.code, 0, reanchored.stderr);
    const done = JSON.parse(reanchored.stdout) as { reanchored: boolean; seq: number; lost: string; problems: unknown[] };
    assert.equal(done.reanchored, true);
    assert.ok(done.problems.length > 0);
    assert.match(done.lost, /can no longer be proven/);

    assert.equal((await runSignet(home, ['audit', 'verify'])).code, 0);
    daemon = await startDaemonProcess(home);
    try {
      const tail = await runSignet(home, ['--json', 'audit', 'tail', '--limit', '5']);
      const kinds = tail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number; kind: string }));
      assert.ok(kinds.some((r) => r.kind === 'log.reanchored' && r.seq === done.seq));
      // A second reanchor with nothing wrong does nothing and records nothing.
    } finally {
      await stopDaemonProcess(daemon);
    }
    const again = await runSignet(home, ['--json', 'audit', 'reanchor']);
    assert.equal(JSON.parse(again.stdout).reanchored, false);
  });

  test('a log whose records were removed after the last anchor is refused at start, even with the checkpoint file rewritten away', async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
    await stopDaemonProcess(daemon);
    const path = join(home, 'audit', 'audit.log');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    writeFileSync(path, `${lines.slice(0, 2).join('\n')}\n`);
    for (const derived of ['audit.tree', 'audit.offsets', 'checkpoint']) rmSync(join(home, 'audit', derived), { force: true });
    const refused = await runSignet(home, ['--json', 'daemon']);
    assert.equal(refused.code, 7, refused.stderr);
    assert.match(refused.stderr, /records were removed/);
  });
});

describe('approvals bind to who asked, names cannot pass for another, and the proxied server learns nothing of Signet', () => {
  test('a session approval covers only the connection that asked: the same request from another connection is asked anew', async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    const first = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    const second = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    try {
      assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
      const ask = (client: DaemonClient) => client.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: '/tmp/a' } });
      const asked = ask(first);
      assert.equal((await runSignet(home, ['approve', await pendingApprovalId(home), '--session'])).code, 0);
      assert.equal((await asked).decision, 'allow');
      assert.equal((await ask(first)).decision, 'allow', 'the asking connection holds the session');

      const elsewhere = ask(second);
      const id = await pendingApprovalId(home);
      assert.equal((await runSignet(home, ['deny', id])).code, 0);
      const result = await elsewhere;
      assert.equal(result.decision, 'deny');
      assert.equal(result.decision === 'deny' && result.code, 'denied-by-user');
    } finally {
      first.close();
      second.close();
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('an allow-once is taken by the call it was approved for, not by an identical call from another connection made meanwhile', async () => {
    await withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      const other = h.daemon.connectInMemory('agent');
      try {
        const params = { agent: 'coder', cmd: '/fs/write', args: { path: 'x.txt' } };
        const requested = nextNotification(h.ui, 'approval/didRequest');
        const approved = h.agent.request('authz/authorize', params);
        const { id } = await requested;
        // The moment the once-delegation exists, the same call arrives from another connection.
        let meanwhile: ReturnType<typeof other.request<'authz/authorize'>> | undefined;
        const off = h.ui.onNotification('audit/didAppend', (r) => {
          if (r.kind === 'delegation.issued' && !meanwhile) meanwhile = other.request('authz/authorize', params);
        });
        const otherAsks = nextNotification(h.ui, 'approval/didRequest');
        await h.ui.request('approval/decide', { id, decision: 'once' });
        const result = await approved;
        off();
        assert.equal(result.decision, 'allow', JSON.stringify(result));
        const second = await otherAsks;
        assert.notEqual(second.id, id);
        await h.ui.request('approval/decide', { id: second.id, decision: 'deny' });
        const late = await meanwhile;
        assert.equal(late?.decision, 'deny');
      } finally {
        other.close();
      }
    });
  });

  test('no agent may be named user, nor look like it or like another agent', async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    try {
      const reserved = await runSignet(home, ['agent', 'create', 'user']);
      assert.equal(reserved.code, 1);
      assert.match(reserved.stderr, /"user" cannot name an agent/);
      assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
      assert.equal((await runSignet(home, ['agent', 'create', 'my-bot'])).code, 0);
      for (const lookalike of ['c0der', 'my_bot', 'u5er']) {
        const refused = await runSignet(home, ['--json', 'agent', 'create', lookalike]);
        assert.equal(refused.code, 1, lookalike);
        assert.match(refused.stderr, /cannot name an agent/);
      }
      const agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
      try {
        const asked = await agent.request('authz/authorize', { agent: 'user', cmd: '/fs/read', args: {}, createAgent: true });
        assert.equal(asked.decision, 'deny');
      } catch (error) {
        assert.match((error as Error).message, /cannot name an agent/);
      } finally {
        agent.close();
      }
      const list = JSON.parse((await runSignet(home, ['--json', 'agent', 'list'])).stdout) as { agents: { name: string }[] };
      assert.deepEqual(list.agents.map((a) => a.name), ['coder', 'my-bot']);
    } finally {
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('the MCP server the proxy spawns gets the environment without any SIGNET_ variable', async () => {
    const home = tempDir('signet-own-');
    const out = join(tempDir('signet-own-env-'), 'env.json');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(process.env)))`;
    const proxy = spawn(process.execPath, [cliPath, 'mcp-proxy', '--agent', 'coder', '--', process.execPath, '-e', script], {
      env: { ...process.env, SIGNET_HOME: home, SIGNET_MCP_HEADERS: '{}', SIGNET_ANYTHING: 'x', KEEP_ME: 'yes' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    assert.equal(await exited(proxy), 0);
    const names = JSON.parse(readFileSync(out, 'utf8')) as string[];
    assert.ok(names.includes('KEEP_ME'));
    assert.deepEqual(names.filter((n) => n.toUpperCase().startsWith('SIGNET_')), []);
  });
});

const keychainAvailable = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS && process.env.GNOME_KEYRING_CONTROL);

describe('who may approve, and what the daemon can tell about who did', () => {
  test('with the OS keychain the UI token is in no file of the Signet home', { skip: keychainAvailable ? false : 'no Secret Service in this environment (npm test starts one)' }, async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, ['--keystore', 'keychain']);
    try {
      const token = await readUiToken(openSecretStore({ kind: 'keychain', home }), home);
      assert.ok(token);
      const raw = Buffer.from(token, 'base64url');
      for (const file of filesUnder(home)) {
        const bytes = readFileSync(file);
        for (const form of [token, raw.toString('base64'), raw.toString('hex')]) assert.equal(bytes.includes(form), false, `${file} holds the UI token`);
        assert.equal(bytes.includes(raw), false, `${file} holds the UI token's bytes`);
      }
      const status = JSON.parse((await runSignet(home, ['--json', 'status'])).stdout) as { approvals: { uiToken: string } };
      assert.equal(status.approvals.uiToken, 'the OS keychain only');
    } finally {
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('with the file keystore, signet status says plainly that approvals are not protected from local processes', async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    try {
      const human = await runSignet(home, ['status']);
      assert.match(human.stdout, /approvals are NOT protected from local processes on this machine/);
      const json = JSON.parse((await runSignet(home, ['--json', 'status'])).stdout) as { approvals: { protectedFromLocalProcesses: boolean } };
      assert.equal(json.approvals.protectedFromLocalProcesses, false);
    } finally {
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('each approval records the deciding process as the daemon verified it from the socket, not as the client claims', { skip: process.platform === 'linux' ? false : 'the peer process is read from /proc' }, async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    const agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    try {
      assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
      const asked = agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: '/tmp/x' } });
      // The CLI claims to be "cli"; what counts is the process the kernel says holds the socket.
      assert.equal((await runSignet(home, ['approve', await pendingApprovalId(home)])).code, 0);
      assert.equal((await asked).decision, 'allow');
      const decided = (await decisions(home))[0];
      assert.ok(decided);
      assert.equal(decided.data.decidedBy, 'cli');
      const place = decided.data.decider.place;
      assert.equal(place.kind, 'process', 'the CLI stated no editor window');
      assert.equal(place.process.verified, true, JSON.stringify(place.process));
      assert.equal(place.process.process?.executable, realpathSync(process.execPath));
      assert.notEqual(place.process.process?.pid, process.pid);
      assert.equal(place.process.parents?.[0]?.pid, process.pid, 'the CLI was started by this test');
      assert.equal(decided.data.decider.outsideEditor, true);
      assert.equal(decided.data.decider.osUser.name, userInfo().username);
      assert.equal(decided.data.decider.userDid, (await agentList(home)).user.did);
    } finally {
      agent.close();
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });
});

describe('approvals made outside the editor are flagged', { skip: process.platform === 'linux' ? false : 'the peer process is read from /proc' }, () => {
  test('a CLI approval is flagged, naming its verified process, in the next prompt for that agent, in agent/list and after a SIGKILL and restart', async () => {
    const home = tempDir('signet-own-');
    let daemon = await startDaemonProcess(home, fileKeystore);
    let agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    try {
      assert.equal((await runSignet(home, ['agent', 'create', 'coder'])).code, 0);
      assert.equal((await runSignet(home, ['agent', 'create', 'reviewer'])).code, 0);
      const first = agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: '/tmp/x' } });
      assert.equal((await runSignet(home, ['approve', await pendingApprovalId(home)])).code, 0);
      assert.equal((await first).decision, 'allow');
      const cliPid = (await decisions(home))[0]?.data.decider.place.process.process?.pid;
      assert.ok(cliPid);

      const later = agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args: { path: '/tmp/y' } });
      const pending = await pendingRequests(home);
      const flag = pending[0]?.earlierOutsideEditor;
      assert.ok(flag, 'the later prompt carries the flag');
      assert.equal(flag.count, 1);
      assert.match(flag.latest.by, new RegExp(`outside the editor, by ${escape(realpathSync(process.execPath))} \\(pid ${cliPid}`));
      const listed = await runSignet(home, ['approvals']);
      assert.match(listed.stdout, /an earlier approval for this agent was made outside the editor, by /);
      assert.equal((await runSignet(home, ['deny', pending[0]?.id ?? ''])).code, 0);
      assert.equal((await later).decision, 'deny');

      const agents = (await agentList(home)).agents;
      assert.equal(agents.find((a) => a.name === 'coder')?.outsideEditor?.count, 1);
      assert.equal(agents.find((a) => a.name === 'reviewer')?.outsideEditor, undefined, 'another agent is not flagged');

      agent.close();
      await stopDaemonProcess(daemon, 'SIGKILL');
      daemon = await startDaemonProcess(home, fileKeystore);
      agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
      assert.equal((await agentList(home)).agents.find((a) => a.name === 'coder')?.outsideEditor?.latest.approvalId, (await decisions(home))[0]?.data.approvalId, 'the flag is rebuilt from the log');
    } finally {
      agent.close();
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });

  test('an editor that describes its window is recorded as stated by the editor with its verified process, and is not flagged; a statement the process contradicts is', async () => {
    const home = tempDir('signet-own-');
    const daemon = await startDaemonProcess(home, fileKeystore);
    const token = await readUiToken(openSecretStore({ kind: 'file', home }), home);
    assert.ok(token);
    const editor = await DaemonClient.connect({ port: daemon.port, token });
    const liar = await DaemonClient.connect({ port: daemon.port, token });
    const agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    try {
      const described = await editor.request('client/describe', { kind: 'editor', app: 'Visual Studio Code', workspace: 'shop', pid: process.pid });
      assert.deepEqual(described, { decider: `${userInfo().username} in Visual Studio Code, window "shop" (as the editor said)`, consistent: true });
      const contradicted = await liar.request('client/describe', { kind: 'editor', app: 'Visual Studio Code', workspace: 'shop', pid: process.pid + 1 });
      assert.equal(contradicted.consistent, false);
      assert.match(contradicted.decider, /but the connection came from .* \(pid \d+/);

      await editor.request('agent/create', { name: 'coder' });
      const asked = agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: '/tmp/x' } });
      await editor.request('approval/decide', { id: await pendingApprovalId(home), decision: 'once', decidedBy: 'vscode' });
      assert.equal((await asked).decision, 'allow');
      const [decided] = await decisions(home);
      assert.ok(decided);
      assert.equal(decided.data.decider.outsideEditor, false);
      assert.deepEqual({ ...decided.data.decider.place, process: undefined }, { kind: 'editor', stated: 'by-editor', app: 'Visual Studio Code', workspace: 'shop', pid: process.pid, process: undefined, processMatches: true, startedThisDaemon: true }, 'this test process started the daemon, as an editor does');
      assert.equal(decided.data.decider.place.process.process?.pid, process.pid);

      const again = agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: '/tmp/z' } });
      const [request] = await pendingRequests(home);
      assert.equal(request?.earlierOutsideEditor, undefined, 'an approval in the editor is not flagged');
      await liar.request('approval/decide', { id: request?.id ?? '', decision: 'once', decidedBy: 'vscode' });
      assert.equal((await again).decision, 'allow');
      assert.equal((await decisions(home))[1]?.data.decider.outsideEditor, true, 'the contradicted statement counts as outside the editor');
      assert.equal((await agentList(home)).agents.find((a) => a.name === 'coder')?.outsideEditor?.count, 1);
    } finally {
      for (const c of [editor, liar, agent]) c.close();
      await stopDaemonProcess(daemon, 'SIGKILL');
    }
  });
});

interface DecisionRecord {
  kind: string;
  data: {
    approvalId: string;
    decidedBy: string;
    decider: {
      osUser: { name: string };
      userDid: string;
      outsideEditor: boolean;
      place: Record<string, unknown> & { kind: string; process: { verified: boolean; process?: { pid: number; executable: string }; parents?: { pid: number }[] } };
    };
  };
}

/** The `approval.decided` records, oldest first, through the CLI. */
async function decisions(home: string): Promise<DecisionRecord[]> {
  const tail = await runSignet(home, ['--json', 'audit', 'tail', '--limit', '100']);
  return tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as DecisionRecord).filter((r) => r.kind === 'approval.decided');
}

async function pendingRequests(home: string): Promise<ApprovalRequest[]> {
  await pendingApprovalId(home);
  return (JSON.parse((await runSignet(home, ['--json', 'approvals'])).stdout) as { pending: ApprovalRequest[] }).pending;
}

async function agentList(home: string): Promise<AgentListResult> {
  return JSON.parse((await runSignet(home, ['--json', 'agent', 'list'])).stdout) as AgentListResult;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}
