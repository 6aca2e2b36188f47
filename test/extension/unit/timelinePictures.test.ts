// The timeline's pictures and grouping, as data: request → decision → outcome as one row, the activity strip's
// buckets, and the delegation graph's levels and edge states. Under plain Node, on up to 100,000 records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../../../daemon/src/server/protocol';
import { activityStrip, bucketLabel } from '../../../webview/src/activityStrip';
import { delegationGraph, edgeLabel } from '../../../webview/src/delegationGraph';
import type { TimelineDelegation } from '../../../webview/src/protocol';
import { TimelineModel } from '../../../webview/src/timelineModel';

const user = { did: 'did:key:z6MkUser', name: 'user' };
const planner = { name: 'planner', did: 'did:key:z6MkPlanner', createdAt: '2026-01-01T00:00:00Z' };
const coder = { name: 'coder', did: 'did:key:z6MkCoder', createdAt: '2026-01-01T00:00:00Z' };
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

function record(seq: number, kind: string, agent: string | null, data: Record<string, unknown>, atMs = T0 + seq * 1000): AuditRecord {
  return { seq, time: new Date(atMs).toISOString(), agent, kind: kind as AuditRecord['kind'], data };
}

function delegation(cid: string, issuer: { did: string; name: string }, audience: { did: string; name: string }, more: Partial<TimelineDelegation> = {}): TimelineDelegation {
  return { cid, issuer, audience, cmd: '/mcp/tools/call', scope: 'read_file on files', exp: null, parent: null, revoked: false, source: 'approval', token: '', ...more };
}

const call = { cmd: '/mcp/tools/call', args: { server: 'files', tool: 'write_file', arguments: { path: '/repo/a.ts' } } };

/** One approved call in four records, another agent's unrelated call between them, and a denied request. */
function approvedCall(): AuditRecord[] {
  return [
    record(0, 'approval.requested', coder.did, { approvalId: 'A1', ...call }),
    record(1, 'authorize.allowed', planner.did, { ...call, invocation: 'bafyother' }),
    record(2, 'approval.decided', coder.did, { approvalId: 'A1', decision: 'once', decidedBy: 'vscode', decider: { osUser: { name: 'alice' }, userDid: user.did, outsideEditor: false, place: { kind: 'editor', app: 'code-server', workspace: 'shop', processMatches: true } }, delegation: 'bafyonce' }),
    record(3, 'authorize.allowed', coder.did, { ...call, approvalId: 'A1', invocation: 'bafyinv1', chain: ['bafyonce'] }),
    record(4, 'call.outcome', coder.did, { invocation: 'bafyinv1', toolUseId: 'tu1', exitStatus: 0, changedFiles: [{ path: '/repo/a.ts', digest: 'sha256:x' }] }),
    record(5, 'approval.requested', coder.did, { approvalId: 'A2', ...call }),
    record(6, 'approval.decided', coder.did, { approvalId: 'A2', decision: 'deny', decidedBy: 'cli', decider: { osUser: { name: 'alice' }, userDid: user.did, outsideEditor: true, place: { kind: 'process', process: { verified: true, process: { pid: 42, executable: '/usr/bin/node' }, parents: [] } } } }),
    record(7, 'authorize.denied', coder.did, { ...call, approvalId: 'A2', reason: 'denied by the user', code: 'denied-by-user' }),
  ];
}

test('a request, its decision, its authorization and its outcome are one row, by approvalId and then by invocation', () => {
  const model = new TimelineModel();
  model.load(approvedCall(), [planner, coder], [], user, false);
  assert.equal(model.count, 3, 'two calls of coder and one of planner');
  const newest = model.groupAt(0);
  assert.deepEqual(newest.map((r) => r.seq), [5, 6, 7]);
  assert.equal(model.groupOutcome(newest), 'denied');
  const approved = model.groupAt(2);
  assert.deepEqual(approved.map((r) => r.kind), ['approval.requested', 'approval.decided', 'authorize.allowed', 'call.outcome']);
  assert.equal(model.groupOutcome(approved), 'allowed');
  const summary = model.groupSummary(approved);
  assert.match(summary, /^asks for write_file .* → allowed once by alice in code-server, window "shop" \(as the editor said\) → allowed → outcome: exit 0, 1 file changed$/);
  assert.equal(model.rowOf(4), 2, 'the outcome is found on its call\'s row');
  assert.equal(model.leadSeqOf(3), 0);
  assert.deepEqual(model.groupAt(1).map((r) => r.seq), [1], 'another invocation stays on its own row');
});

test('a decision or outcome arriving later joins its row instead of adding one, and a filter finds the whole call by any step', () => {
  const all = approvedCall();
  const model = new TimelineModel();
  model.load(all.slice(0, 2), [planner, coder], [], user, false);
  assert.equal(model.count, 2);
  assert.equal(model.append(all.slice(2, 5)), 0, 'decision, authorization and outcome join the request\'s row');
  assert.equal(model.groupAt(1).length, 4);
  model.setFilters({ agent: '', kind: '', outcome: '', text: 'code-server' });
  assert.equal(model.count, 1);
  assert.equal(model.groupAt(0)[0]?.seq, 0, 'the row is found by its decision and shows the whole call');
  model.setFilters({ agent: '', kind: 'call.outcome', outcome: '', text: '' });
  assert.equal(model.count, 1);
  model.setFilters({ agent: '', kind: '', outcome: '', text: 'tu2' });
  assert.equal(model.count, 0);
  assert.equal(model.append([record(8, 'approval.requested', coder.did, { approvalId: 'A3', ...call, args: { note: 'tu2' } })]), 1);
});

test("a call that signed a git commit leads its row with the commit's hash, repository and branch", () => {
  const sign = { cmd: '/git/commit/sign', args: { repo: '/home/me/shop', branch: 'main', identity: 'claimed' } };
  const model = new TimelineModel();
  model.load(
    [
      record(0, 'approval.requested', coder.did, { approvalId: 'G1', ...sign }),
      record(1, 'approval.decided', coder.did, { approvalId: 'G1', decision: 'once', decidedBy: 'vscode' }),
      record(2, 'authorize.allowed', coder.did, { ...sign, approvalId: 'G1', invocation: 'bafysign' }),
      record(3, 'git.commit.signed', coder.did, { commit: '943824dc3feb17763c3ec2a5c8f084c3c4cb1a2e', invocation: 'bafysign', as: 'agent', repo: '/home/me/shop', branch: 'main', approvalId: 'G1' }),
    ],
    [coder],
    [],
    user,
    false,
  );
  assert.equal(model.count, 1, 'the signature joins its call');
  assert.match(model.groupSummary(model.groupAt(0)), /^signed commit 943824dc3feb in shop on main → asks for \/git\/commit\/sign .* → allowed$/);
});

test('a decision logged before its request (decided the instant it was asked) still joins the request\'s row', () => {
  const [requested, , decided, allowed] = approvedCall();
  const model = new TimelineModel();
  model.load([{ ...decided!, seq: 0 }, { ...requested!, seq: 1 }, { ...allowed!, seq: 2 }], [coder], [], user, false);
  assert.equal(model.count, 1);
  assert.deepEqual(model.groupAt(0).map((r) => r.kind), ['approval.decided', 'approval.requested', 'authorize.allowed']);
});

test('an outcome another agent reports for an invocation is not shown as that call\'s result', () => {
  const model = new TimelineModel();
  model.load([...approvedCall().slice(0, 4), record(4, 'call.outcome', planner.did, { invocation: 'bafyinv1', exitStatus: 0 })], [planner, coder], [], user, false);
  assert.equal(model.count, 3);
  assert.deepEqual(model.groupOf(0).map((r) => r.seq), [0, 2, 3]);
});

test('the activity strip counts allowed, asked and denied per agent per minute, and a bar\'s window filters the list', () => {
  const records = approvedCall();
  const strip = activityStrip(records, (did) => (did === coder.did ? 'coder' : 'planner'));
  assert.equal(strip.bucketMs, 60_000);
  assert.deepEqual(strip.rows.map((r) => r.agent), ['coder', 'planner']);
  const coderRow = strip.rows[0];
  assert.ok(coderRow);
  const totals = coderRow.buckets.reduce((t, b) => ({ allowed: t.allowed + b.allowed, asked: t.asked + b.asked, denied: t.denied + b.denied }), { allowed: 0, asked: 0, denied: 0 });
  assert.deepEqual(totals, { allowed: 1, asked: 2, denied: 1 });
  const bucket = coderRow.buckets[0];
  assert.ok(bucket);
  assert.equal(bucketLabel('coder', bucket, strip.bucketMs), 'coder, 10:00–10:01 UTC: 1 allowed, 2 asked, 1 denied');

  const model = new TimelineModel();
  model.load([...records, record(9, 'authorize.allowed', coder.did, { ...call, invocation: 'bafylate' }, T0 + 5 * 60_000)], [planner, coder], [], user, false);
  model.setFilters({ agent: 'coder', kind: '', outcome: '', text: '', window: { from: T0 + 5 * 60_000, to: T0 + 6 * 60_000 } });
  assert.deepEqual([model.at(0)?.seq, model.count], [9, 1]);
});

test('a long log is bucketed per hour and keeps the latest buckets; 100,000 records take one pass', () => {
  const records: AuditRecord[] = [];
  for (let seq = 0; seq < 100_000; seq++) records.push(record(seq, seq % 5 === 0 ? 'authorize.denied' : 'authorize.allowed', seq % 2 ? coder.did : planner.did, {}, T0 + seq * 10_000));
  const strip = activityStrip(records, (did) => did);
  assert.equal(strip.bucketMs, 3_600_000);
  assert.equal(strip.rows[0]?.buckets.length, 90);
  const counted = strip.rows.flatMap((r) => r.buckets).reduce((n, b) => n + b.allowed + b.denied, 0);
  assert.equal(counted, records.filter((r) => Date.parse(r.time) >= strip.from).length);
});

test('the delegation graph puts the user at the root and agents below by depth, with revoked and expired edges marked', () => {
  const now = 2_000_000_000;
  const delegations = [
    delegation('bafy1', user, planner),
    delegation('bafy2', planner, coder, { parent: 'bafy1', cmd: '/fs/read' }),
    delegation('bafy3', user, coder, { revoked: true }),
    delegation('bafy4', user, coder, { exp: now - 1 }),
  ];
  const graph = delegationGraph(user, [planner, coder, { did: 'did:key:z6MkIdle', name: 'idle' }], delegations, now);
  const level = Object.fromEntries(graph.nodes.map((n) => [n.name, n.level]));
  assert.deepEqual(level, { user: 0, coder: 1, planner: 1, idle: 2 });
  assert.deepEqual(graph.edges.map((e) => [e.cid, e.state, e.lane]), [['bafy1', 'live', 0], ['bafy2', 'live', 0], ['bafy3', 'revoked', 0], ['bafy4', 'expired', 1]]);
  const names = (did: string) => graph.nodes.find((n) => n.did === did)?.name ?? did;
  assert.equal(edgeLabel(graph.edges[2]!, names), 'user → coder: /mcp/tools/call, read_file on files (revoked)');
});

test('selecting an edge filters the list to the records that name its delegation', () => {
  const model = new TimelineModel();
  model.load(approvedCall(), [planner, coder], [delegation('bafyonce', user, coder)], user, false);
  model.setFilters({ agent: '', kind: '', outcome: '', text: '', delegation: 'bafyonce' });
  assert.equal(model.count, 1);
  assert.equal(model.groupAt(0)[0]?.data.approvalId, 'A1');
});
