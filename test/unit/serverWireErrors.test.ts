import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditLogError } from '../../daemon/src/audit/auditLog';
import { IdentityError } from '../../daemon/src/keys/identities';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { SignetErrorCode } from '../../daemon/src/server/protocol';
import { RpcError, wireErrorOf } from '../../daemon/src/server/wireErrors';

describe('the mapper at the RPC boundary', () => {
  test('a keystore error becomes KeystoreUnavailable carrying its fix and its own code', () => {
    const error = new KeystoreError({ code: 'no-session-bus', problem: 'there is no session bus.', fix: 'Run signet daemon --keystore file.' });
    assert.deepEqual(wireErrorOf(error), { code: SignetErrorCode.KeystoreUnavailable, message: error.message, data: { fix: 'Run signet daemon --keystore file.', cause: 'no-session-bus' } });
  });

  test('a missing key is KeystoreUnavailable with a fix, an unknown agent UnknownAgent, an existing one AgentExists', () => {
    const missing = wireErrorOf(new IdentityError('the private key of coder is missing', 'key-missing'));
    assert.equal(missing?.code, SignetErrorCode.KeystoreUnavailable);
    assert.ok(missing?.data?.fix);
    assert.equal(wireErrorOf(new IdentityError('no agent', 'unknown-agent'))?.code, SignetErrorCode.UnknownAgent);
    assert.equal(wireErrorOf(new IdentityError('exists', 'agent-exists'))?.code, SignetErrorCode.AgentExists);
  });

  test('audit-log errors map by their code: the caller\'s input, a closing daemon, or a log that needs the user', () => {
    assert.equal(wireErrorOf(new AuditLogError('invalid-entry', 'no record 9'))?.code, SignetErrorCode.InvalidArgument);
    assert.equal(wireErrorOf(new AuditLogError('closed', 'closed'))?.code, SignetErrorCode.ShuttingDown);
    for (const code of ['write-failed', 'unusable', 'corrupt', 'inconsistent', 'index-unavailable'] as const) {
      const wire = wireErrorOf(new AuditLogError(code, 'it failed'));
      assert.equal(wire?.code, SignetErrorCode.AuditUnavailable, code);
      assert.equal(wire?.data?.cause, code);
      assert.ok(wire?.data?.fix, `${code} says what to do`);
    }
  });

  test('an RpcError passes through as it is, and an error nobody foresaw is left to the dispatcher', () => {
    assert.deepEqual(wireErrorOf(new RpcError(SignetErrorCode.Escalation, 'too much')), { code: SignetErrorCode.Escalation, message: 'too much' });
    assert.equal(wireErrorOf(new Error('shut down the reactor')), undefined);
  });
});
