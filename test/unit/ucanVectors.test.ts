// The UCAN working group's published 1.0 vectors (test/fixtures/ucan/README.md says where they come from): every
// invocation vector gives the verdict and the error name the vectors expect, the delegation vector decodes, and
// every policy vector holds or fails as published.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeDelegation, evaluatePolicy, validateInvocation, type Policy } from '../../daemon/src/ucan/index';

interface DagJsonBytes {
  '/': { bytes: string };
}
interface InvocationVector {
  name: string;
  description: string;
  invocation: DagJsonBytes;
  proofs: DagJsonBytes[];
  time: number;
  error?: { name: string };
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/ucan/${name}`, import.meta.url), 'utf8')) as T;
}

const bytesOf = (value: DagJsonBytes) => new Uint8Array(Buffer.from(value['/'].bytes, 'base64'));
const invocations = fixture<{ valid: InvocationVector[]; invalid: InvocationVector[] }>('invocation.json');

test('the published vectors hold 7 valid and 13 invalid invocations', () => {
  assert.equal(invocations.valid.length, 7);
  assert.equal(invocations.invalid.length, 13);
});

for (const vector of invocations.valid) {
  test(`published valid invocation "${vector.name}" validates (${vector.description})`, () => {
    const result = validateInvocation(bytesOf(vector.invocation), vector.proofs.map(bytesOf), { now: vector.time, clockSkewSeconds: 0 });
    if (!result.ok) assert.fail(`${result.error.name}: ${result.error.message}`);
    assert.equal(result.proofOrder, 'root-first');
    assert.equal(result.chain.length, vector.proofs.length);
  });
}

for (const vector of invocations.invalid) {
  test(`published invalid invocation "${vector.name}" is refused as ${vector.error?.name} (${vector.description})`, () => {
    const result = validateInvocation(bytesOf(vector.invocation), vector.proofs.map(bytesOf), { now: vector.time, clockSkewSeconds: 0 });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.error.name, vector.error?.name, result.error.message);
  });
}

test('the published delegation vector decodes to its published payload', () => {
  const delegations = fixture<{ valid: Array<{ token: string; envelope: { payload: Record<string, unknown> } }> }>('delegation.json');
  for (const vector of delegations.valid) {
    const { payload } = decodeDelegation(new Uint8Array(Buffer.from(vector.token, 'base64')));
    const { nonce, ...rest } = vector.envelope.payload;
    assert.deepEqual({ ...payload, nonce: Buffer.from(payload.nonce).toString('base64') }, { ...rest, nonce });
  }
});

test('every published policy vector holds on its arguments, or fails, as published', () => {
  // The published file has one stray pair of braces (README.md); removed here, and only here.
  const published = readFileSync(new URL('../fixtures/ucan/policy.json', import.meta.url), 'utf8');
  const open = '"newsletters": {\n\t\t\t\t\t{\n';
  const close = '\t\t\t\t\t\t}\n\t\t\t\t\t}\n\t\t\t\t}\n';
  const at = published.indexOf(open);
  const closeAt = published.indexOf(close, at);
  assert.ok(at > 0 && closeAt > at, 'the published typo is where the README says; if it was fixed upstream, drop this repair');
  const repaired = `${published.slice(0, at)}"newsletters": {\n${published.slice(at + open.length, closeAt)}\t\t\t\t\t\t}\n\t\t\t\t}\n${published.slice(closeAt + close.length)}`;
  const policies = JSON.parse(repaired.replace(/,(\s*[\]}])/g, '$1')) as Record<'valid' | 'invalid', Array<{ args: unknown; policies: Policy[] }>>;
  let count = 0;
  for (const [kind, expected] of [['valid', true], ['invalid', false]] as const) {
    for (const entry of policies[kind]) {
      for (const policy of entry.policies) {
        assert.equal(evaluatePolicy(policy, entry.args), expected, `${kind}: ${JSON.stringify(policy)} on ${JSON.stringify(entry.args)}`);
        count++;
      }
    }
  }
  assert.ok(count > 20);
});
