// When the Protection view runs doctor again for the daemon's connection state: once at start-up, for the first
// attempt's outcome, and after that only when the outcome changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionState } from '../../../extension/src/daemon/daemonConnection';
import { ConnectionChecks } from '../../../extension/src/protection/connectionChecks';

const notStarted: ConnectionState = { kind: 'disconnected', reason: 'not started', retryAt: undefined };
const connecting: ConnectionState = { kind: 'connecting', attempt: 1 };
const down: ConnectionState = { kind: 'disconnected', reason: 'connection refused', retryAt: 1 };
const connected = { kind: 'connected' } as ConnectionState;

function reasons(states: readonly ConnectionState[]): (string | undefined)[] {
  const checks = new ConnectionChecks();
  return states.map((state, i) => checks.reasonFor(state, i === 0));
}

test('doctor runs once at start-up, for the outcome of the first attempt to connect, not for the state before it', () => {
  assert.deepEqual(reasons([notStarted, connecting, connected]), [undefined, undefined, 'the daemon is connected']);
});

test('a first attempt that fails is news too, though the state before it was "disconnected" as well', () => {
  assert.deepEqual(reasons([notStarted, connecting, down]), [undefined, undefined, 'the daemon is disconnected']);
});

test('retries that fail as the last one did run nothing; a daemon that goes away or comes back runs doctor', () => {
  assert.deepEqual(reasons([notStarted, connecting, down, connecting, down, connecting, connected, down, connecting, connected]), [
    undefined,
    undefined,
    'the daemon is disconnected',
    undefined,
    undefined,
    undefined,
    'the daemon is connected',
    'the daemon is disconnected',
    undefined,
    'the daemon is connected',
  ]);
});
