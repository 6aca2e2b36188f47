// No function in daemon/src is longer than about a screen unless a reason for it is written here, beside its name:
// long functions are where a newcomer gets lost, and this keeps the limit true after the split of issue 14.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { measureFile, measureFunctions } from '../support/functionLengths';

const ROOT = join(import.meta.dirname, '..', '..');
/** Lines of a function's body, braces included. */
const LIMIT = 80;

/** Each function allowed over the limit, and why. An entry whose function is short again, or gone, fails the test. */
const ALLOWED_LONGER: Record<string, string> = {
  'daemon/src/ucan/validate.ts#validateInvocation':
    'the UCAN 1.0 validation steps, numbered in the order the invocation spec gives them, in one place so that each can be checked against the spec line by line; the steps share the decoded chain',
  'daemon/src/audit/verify.ts#verifyLog':
    'one streaming pass over a log that may be huge, keeping the tree, the checkpoints to check and the problems found in locals every step updates; splitting it needs a state object of its own, a change beyond this pure move',
};

describe('function length in daemon/src', () => {
  const measured = measureFunctions(ROOT, join(ROOT, 'daemon', 'src'));

  it('measures the functions it should: hundreds of them, methods and arrow functions included', () => {
    assert.ok(measured.length > 500, `only ${measured.length} functions were found`);
    assert.ok(measured.some((f) => f.id === 'daemon/src/daemon.ts#startDaemon'));
    assert.ok(measured.some((f) => f.id === 'daemon/src/audit/auditLog.ts#AuditLog.append'));
    assert.ok(measured.some((f) => f.id === 'daemon/src/server/handlers/auditHandlers.ts#auditHandlers.audit/query'));
  });

  it(`has no function longer than ${LIMIT} lines that is not on the allow-list with a reason`, () => {
    const tooLong = measured.filter((f) => f.lines > LIMIT && !(f.id in ALLOWED_LONGER)).map((f) => `${f.id}: ${f.lines} lines`);
    assert.deepEqual(tooLong, []);
  });

  it('keeps no allow-list entry that is no longer needed, and gives each a reason', () => {
    const stale = Object.keys(ALLOWED_LONGER).filter((id) => !measured.some((f) => f.id === id && f.lines > LIMIT));
    assert.deepEqual(stale, []);
    for (const [id, reason] of Object.entries(ALLOWED_LONGER)) assert.ok(reason.length > 40, `${id} needs a reason, not a label`);
  });

  it('counts a body by its lines, and names a function by its class, variable or key', () => {
    const text = ['class Log {', '  append() {', '    one();', '    two();', '  }', '}', 'const handlers = { "a/b": () => {', '  x();', '} };', 'function outer() {', '  const inner = () => {', '    y();', '  };', '}'].join('\n');
    assert.deepEqual(measureFile('x.ts', text), [
      { id: 'x.ts#Log.append', lines: 4 },
      { id: 'x.ts#a/b', lines: 3 },
      { id: 'x.ts#outer', lines: 5 },
      { id: 'x.ts#outer.inner', lines: 3 },
    ]);
  });
});
