import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denyCodeOfRequestError } from '../../daemon/src/mcp/daemonLink';
import { JsonRpcErrorCode, SignetErrorCode } from '../../daemon/src/server/protocol';

test('a request the daemon refused with an error is denied with the code its error calls for, not always as bad arguments', () => {
  assert.equal(denyCodeOfRequestError(JsonRpcErrorCode.InvalidParams), 'invalid-arguments');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.InvalidArgument), 'invalid-arguments');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.UnknownAgent), 'unknown-agent');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.KeystoreUnavailable), 'keystore-unavailable');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.ShuttingDown), 'daemon-shutdown');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.AuditUnavailable), 'internal-error');
  assert.equal(denyCodeOfRequestError(SignetErrorCode.Internal), 'internal-error');
});
