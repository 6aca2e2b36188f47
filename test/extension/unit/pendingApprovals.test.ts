import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { PendingApprovals } from '../../../extension/src/approvals/pendingApprovals';

function request(id: string, requestedAt: string, expiresAt = '2999-01-01T00:00:00.000Z'): ApprovalRequest {
  return {
    id,
    agent: { did: 'did:key:z6MkA', name: 'coder' },
    actingFor: [],
    heldDelegations: [],
    cmd: '/x',
    args: {},
    summary: id,
    paths: [],
    requestedAt,
    expiresAt,
  };
}

test('requests are kept in the order they were asked, and each is announced once', () => {
  const pending = new PendingApprovals();
  const added: string[] = [];
  pending.onDidAdd((r) => added.push(r.id));
  assert.equal(pending.add(request('b', '2026-01-01T00:00:02Z')), true);
  assert.equal(pending.add(request('a', '2026-01-01T00:00:01Z')), true);
  assert.equal(pending.add(request('a', '2026-01-01T00:00:01Z')), false);
  assert.deepEqual(pending.list().map((r) => r.id), ['a', 'b']);
  assert.deepEqual(added, ['b', 'a']);
});

test('a request resolved elsewhere leaves, and a late copy of it is not shown again', () => {
  const pending = new PendingApprovals();
  const resolved: string[] = [];
  pending.onDidResolve((r) => resolved.push(`${r.request.id}:${r.outcome}:${r.decidedBy ?? ''}`));
  pending.add(request('a', '2026-01-01T00:00:01Z'));
  assert.equal(pending.resolve('a', 'once', 'cli'), true);
  assert.equal(pending.add(request('a', '2026-01-01T00:00:01Z')), false);
  assert.equal(pending.resolve('never-seen', 'deny'), false);
  assert.equal(pending.add(request('never-seen', '2026-01-01T00:00:03Z')), false, 'a resolution that arrived first wins');
  assert.deepEqual(resolved, ['a:once:cli']);
  assert.equal(pending.size, 0);
});

test('after a reconnect the list matches the daemon: new requests appear, vanished ones close as gone', () => {
  const pending = new PendingApprovals();
  pending.add(request('kept', '2026-01-01T00:00:01Z'));
  pending.add(request('gone', '2026-01-01T00:00:02Z'));
  const outcomes: string[] = [];
  pending.onDidResolve((r) => outcomes.push(`${r.request.id}:${r.outcome}`));
  pending.synchronize([request('kept', '2026-01-01T00:00:01Z'), request('new', '2026-01-01T00:00:03Z')]);
  assert.deepEqual(pending.list().map((r) => r.id), ['kept', 'new']);
  assert.deepEqual(outcomes, ['gone:gone']);
});

test('a request past its deadline is dropped as timed out', () => {
  const pending = new PendingApprovals();
  pending.add(request('late', '2026-01-01T00:00:00Z', '2026-01-01T00:02:00Z'));
  pending.add(request('fresh', '2026-01-01T00:01:00Z', '2026-01-01T00:03:00Z'));
  pending.expireOverdue(Date.parse('2026-01-01T00:02:30Z'));
  assert.deepEqual(pending.list().map((r) => r.id), ['fresh']);
});
