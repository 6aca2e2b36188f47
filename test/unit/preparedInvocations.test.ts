// The prepared commit invocations are bounded per agent and in all: one agent's flood pushes out only its own
// oldest, many agents together push out the oldest of all, and expired ones go first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PreparedInvocations, type PreparedEntry } from '../../daemon/src/git/preparedInvocations';

const entry = (invocationCid: string, claimedAgent: string, exp = 1000): PreparedEntry => ({ invocationCid, claimedAgent, exp });

describe('prepared commit invocations', () => {
  test("an agent's flood of prepares pushes out only that agent's own oldest, never another agent's", () => {
    const prepared = new PreparedInvocations({ perAgent: 3, total: 100 });
    prepared.add(entry('other-1', 'reviewer'), 0);
    for (let i = 1; i <= 10; i++) prepared.add(entry(`flood-${i}`, 'coder'), 0);
    assert.equal(prepared.size, 4);
    assert.equal(prepared.take('other-1')?.claimedAgent, 'reviewer');
    assert.equal(prepared.take('flood-7'), undefined, "coder's older prepares were pushed out by its own later ones");
    assert.deepEqual(['flood-8', 'flood-9', 'flood-10'].map((cid) => prepared.take(cid)?.invocationCid), ['flood-8', 'flood-9', 'flood-10']);
  });

  test('many agents together stay within the global bound, the oldest of all going first', () => {
    const prepared = new PreparedInvocations({ perAgent: 2, total: 4 });
    for (const agent of ['a', 'b', 'c']) for (const n of [1, 2]) prepared.add(entry(`${agent}-${n}`, agent), 0);
    assert.equal(prepared.size, 4);
    assert.deepEqual(['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2'].map((cid) => prepared.take(cid) !== undefined), [false, false, true, true, true, true]);
  });

  test('expired prepares go before any live one is pushed out, and a taken one cannot be taken twice', () => {
    const prepared = new PreparedInvocations({ perAgent: 2, total: 2 });
    prepared.add(entry('live', 'reviewer', 1000), 0);
    prepared.add(entry('old', 'coder', 10), 0);
    prepared.add(entry('new', 'tester', 1000), 11);
    assert.equal(prepared.size, 2);
    assert.equal(prepared.take('live')?.invocationCid, 'live');
    assert.equal(prepared.take('live'), undefined);
    assert.equal(prepared.take('old'), undefined);
  });
});
