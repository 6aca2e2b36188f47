import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../../../daemon/src/server/protocol';
import { TimelineModel, outcomeOf } from '../../../webview/src/timelineModel';
import type { TimelineDelegation } from '../../../webview/src/protocol';

const user = { did: 'did:key:z6MkUser', name: 'user' };
const planner = { name: 'planner', did: 'did:key:z6MkPlanner', createdAt: '2026-01-01T00:00:00Z' };
const coder = { name: 'coder', did: 'did:key:z6MkCoder', createdAt: '2026-01-01T00:00:00Z' };

function record(seq: number, kind: AuditRecord['kind'], agent: string | null, data: Record<string, unknown>): AuditRecord {
  return { seq, time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq % 60)).toISOString(), agent, kind, data };
}

function delegation(cid: string, issuer: typeof user, audience: typeof user, parent: string | null): TimelineDelegation {
  return { cid, issuer, audience, cmd: '/mcp', scope: '/mcp (any arguments)', exp: null, parent, revoked: false, source: 'manual', token: '' };
}

/** 100,000 records: every agent, kind and outcome mixed. */
function bigLog(): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let seq = 0; seq < 100_000; seq++) {
    const agent = seq % 2 === 0 ? coder.did : planner.did;
    if (seq % 10 === 0) out.push(record(seq, 'authorize.denied', agent, { cmd: '/mcp/tools/call', args: { tool: 'delete_file', arguments: { path: `/repo/f${seq}.ts` } }, reason: 'denied by vscode', code: 'denied-by-user' }));
    else out.push(record(seq, 'authorize.allowed', agent, { cmd: '/mcp/tools/call', args: { tool: 'read_file', arguments: { path: `/repo/f${seq}.ts` } }, invocation: 'bafyinv', chain: ['bafyc'] }));
  }
  return out;
}

test('the timeline lists newest first and finds any record by seq', () => {
  const model = new TimelineModel();
  model.load(bigLog(), [planner, coder], [], user, false);
  assert.equal(model.count, 100_000);
  assert.equal(model.at(0)?.seq, 99_999);
  assert.equal(model.at(99_999)?.seq, 0);
  assert.equal(model.rowOf(99_999), 0);
  assert.equal(model.rowOf(12_345), 100_000 - 1 - 12_345);
});

test('filters by agent, kind, outcome and text combine, over 100,000 records', () => {
  const model = new TimelineModel();
  model.load(bigLog(), [planner, coder], [], user, false);
  model.setFilters({ agent: 'coder', kind: '', outcome: '', text: '' });
  assert.equal(model.count, 50_000);
  model.setFilters({ agent: 'coder', kind: 'authorize.denied', outcome: '', text: '' });
  assert.equal(model.count, 10_000);
  model.setFilters({ agent: '', kind: '', outcome: 'denied', text: '' });
  assert.equal(model.count, 10_000);
  model.setFilters({ agent: 'planner', kind: '', outcome: 'denied', text: '' });
  assert.equal(model.count, 0, 'planner has only odd seqs, and denials are every tenth (even) seq');
  model.setFilters({ agent: '', kind: '', outcome: '', text: '  /repo/F4242.TS ' });
  assert.deepEqual([model.at(0)?.seq, model.count], [4242, 1]);
});

test('new records that pass the filters appear on top; others are kept but hidden', () => {
  const model = new TimelineModel();
  model.load([record(0, 'daemon.started', null, { pid: 1 })], [coder], [], user, false);
  model.setFilters({ agent: '', kind: 'authorize.denied', outcome: '', text: '' });
  const shown = model.append([
    record(1, 'authorize.denied', coder.did, { cmd: '/x', reason: 'no' }),
    record(2, 'authorize.allowed', coder.did, { cmd: '/x' }),
  ]);
  assert.equal(shown, 1);
  assert.equal(model.at(0)?.seq, 1);
  assert.equal(model.records.length, 3);
  assert.equal(model.append([record(1, 'authorize.denied', coder.did, { cmd: '/x' })]), 0, 'a record already held is not added twice');
});

test('an invocation\'s chain is drawn from the user down to the agent, with every CID', () => {
  const model = new TimelineModel();
  const root = delegation('bafyroot', user, { did: planner.did, name: 'planner' }, null);
  const leaf = delegation('bafyleaf', { did: planner.did, name: 'planner' }, { did: coder.did, name: 'coder' }, 'bafyroot');
  model.load([], [planner, coder], [root, leaf], user, false);
  const allowed = record(5, 'authorize.allowed', coder.did, { cmd: '/mcp', chain: ['bafyleaf', 'bafyroot'] });
  assert.deepEqual(model.chainOf(allowed).map((h) => `${h.cid}:${h.delegation?.audience.name}`), ['bafyroot:planner', 'bafyleaf:coder']);
  const issued = record(6, 'delegation.issued', coder.did, { cid: 'bafyleaf' });
  assert.deepEqual(model.chainOf(issued).map((h) => h.cid), ['bafyroot', 'bafyleaf']);
});

test('outcomes: allowed, denied (also a denied approval), requested, granted and revoked', () => {
  assert.equal(outcomeOf(record(1, 'authorize.allowed', null, {})), 'allowed');
  assert.equal(outcomeOf(record(1, 'approval.decided', null, { decision: 'deny' })), 'denied');
  assert.equal(outcomeOf(record(1, 'approval.decided', null, { decision: 'session' })), 'allowed');
  assert.equal(outcomeOf(record(1, 'approval.requested', null, {})), 'requested');
  assert.equal(outcomeOf(record(1, 'delegation.issued', null, {})), 'granted');
  assert.equal(outcomeOf(record(1, 'delegation.revoked', null, {})), 'revoked');
  assert.equal(outcomeOf(record(1, 'daemon.started', null, {})), 'info');
});
