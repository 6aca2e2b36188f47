// The UCAN policy language: every operator and selector form, with the delegation spec's own examples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CID } from 'multiformats/cid';
import {
  PolicySyntaxError,
  commandCovers,
  commandProblem,
  evaluatePolicy,
  matchesLike,
  validatePolicy,
  type Policy,
} from '../../daemon/src/ucan/index';
import { parseSelector, resolveSelector, unresolved } from '../../daemon/src/ucan/selector';

function select(selector: string, input: unknown): unknown {
  return resolveSelector(parseSelector(selector), input);
}

function holds(policy: unknown, args: unknown): boolean {
  return evaluatePolicy(policy as Policy, args);
}

// The delegation spec's selector example ("Selectors").
const email = {
  from: 'alice@example.com',
  to: ['bob@example.com', 'carol@not.example.com', 'dan@example.com'],
  cc: ['fraud@example.com'],
  title: 'Meeting Confirmation',
  body: "I'll see you on Tuesday",
};

// The spec's connective examples.
const katie = { name: 'Katie', age: 35, nationalities: ['Canadian', 'South African'] };

test('the spec selector table resolves as the spec shows', () => {
  assert.deepEqual(select('.', email), email);
  assert.equal(select('.title', email), 'Meeting Confirmation');
  assert.deepEqual(select('.cc', email), ['fraud@example.com']);
  assert.equal(select('.to[1]', email), 'carol@not.example.com');
  assert.equal(select('.to[-1]', email), 'dan@example.com');
  assert.equal(select('.to[99]?', email), null);
  assert.equal(select('.to[99]', email), unresolved);
});

test('a missing map key selects null, but selecting further into it fails unless optional', () => {
  assert.equal(select('.missing', email), null);
  assert.equal(select('.missing.deeper', email), unresolved);
  assert.equal(select('.missing.deeper?', email), null);
  assert.equal(holds([['==', '.missing', null]], email), true);
  assert.equal(holds([['==', '.missing.deeper', null]], email), false);
  assert.equal(holds([['==', '.missing.deeper?', null]], email), true);
});

test('resolution stops at the first failure even when a later segment is optional', () => {
  assert.equal(select('.title[0].x?', email), unresolved);
  assert.equal(select('.title[0]?.x?', email), null);
  assert.equal(select('.title[0]?.x', email), unresolved);
});

test('repeated optionals are the same as one', () => {
  assert.deepEqual(parseSelector('.foo???'), parseSelector('.foo?'));
  assert.equal(select('.to[99]???', email), null);
  assert.deepEqual(parseSelector('.?'), parseSelector('.'));
});

test('quoted field names select keys that dotted names cannot', () => {
  const args = { '.': 'dot', '$_*': 'sym', '1': 'one', 'a"b': 'quote', '': 'empty', 'with space': 'sp' };
  assert.equal(select('.["."]', args), 'dot');
  assert.equal(select('.["$_*"]', args), 'sym');
  assert.equal(select('.["1"]', args), 'one');
  assert.equal(select('.["a\\"b"]', args), 'quote');
  assert.equal(select('.[""]', args), 'empty');
  assert.equal(select('.["with space"]', args), 'sp');
  assert.equal(select('.["nope"]?', args), null);
  assert.equal(select('.bar0_', { bar0_: 1 }), 1);
  assert.equal(select('.$x', { $x: 2 }), 2);
  assert.equal(select('.content-type', { 'content-type': 'json' }), 'json');
  assert.equal(select('.ほげ', { ほげ: 'ふが' }), 'ふが');
});

test('fields only select own keys of maps, never inherited properties', () => {
  assert.equal(select('.constructor', {}), null);
  assert.equal(select('.toString', {}), null);
  assert.equal(select('.length', [1, 2]), unresolved);
  assert.equal(select('.length', 'abc'), unresolved);
  const hostile = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>;
  assert.deepEqual(select('.["__proto__"]', hostile), { admin: true });
  assert.equal(select('.admin', hostile), null);
});

test('list slices take ranges, clamp like jq, and apply to lists and bytes but not strings', () => {
  const list = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  assert.deepEqual(select('.[7:11]', list), [7, 8, 9, 10]);
  assert.deepEqual(select('.[2:]', list), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(select('.[:3]', list), [0, 1, 2]);
  assert.deepEqual(select('.[0:-2]', list), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(select('.[-2:]', list), [10, 11]);
  assert.deepEqual(select('.[5:2]', list), []);
  assert.deepEqual(select('.[10:99]', list), [10, 11]);
  assert.deepEqual(select('.[-99:1]', list), [0]);
  assert.deepEqual(select('.[1:3]', new Uint8Array([5, 6, 7, 8])), new Uint8Array([6, 7]));
  assert.equal(select('.[1:3]', 'abcdef'), unresolved);
  assert.equal(select('.[1:3]?', 'abcdef'), null);
});

test('bytes are selected into as a list of u8, as in the spec example', () => {
  const bytes = new Uint8Array(Buffer.from('1qnBjPjE', 'base64'));
  assert.deepEqual([...bytes], [0xd6, 0xa9, 0xc1, 0x8c, 0xf8, 0xc4]);
  assert.equal(select('.[3]', bytes), 140);
  assert.equal(select('.[-1]', bytes), 0xc4);
  assert.equal(holds([['==', '.data[3]', 140]], { data: bytes }), true);
  assert.deepEqual(select('.[]', bytes), [0xd6, 0xa9, 0xc1, 0x8c, 0xf8, 0xc4]);
});

test('[] is a no-op on lists, extracts values from maps, and fans the rest of the path out', () => {
  assert.deepEqual(select('.to[]', email), email.to);
  assert.deepEqual(select('.[]', { a: 1, b: 2 }), [1, 2]);
  const args = { files: [{ path: 'a' }, { path: 'b', mode: 1 }], byName: { x: { size: 1 }, y: { size: 2 } } };
  assert.deepEqual(select('.files[].path', args), ['a', 'b']);
  assert.deepEqual(select('.files[].mode', args), [null, 1]);
  assert.deepEqual(select('.byName[].size', args), [1, 2]);
  assert.deepEqual(select('.files[].path[0]?', args), [null, null]);
  // One element that cannot resolve the rest of the path fails the whole selector, so it cannot slip past `all`.
  assert.equal(select('.list[].path', { list: [{ path: 'a' }, 'not-a-map'] }), unresolved);
  assert.equal(holds([['all', '.list[].path', ['like', '.', 'a*']]], { list: [{ path: 'a' }, 'x'] }), false);
  assert.equal(select('.title[]', email), unresolved);
  assert.equal(select('.title[]?', email), null);
});

test('malformed selectors are syntax errors that name the selector', () => {
  const bad = ['', 'foo', '..', '...', '.foo..bar', '.foo.', '.[a]', '.[1.5]', '.[ 1]', '.[1', '.["x"', '.[:]', '.foo bar', '.foo.[0]', '.-x', '.[01]', '[0]', '.["\\q"]'];
  for (const selector of bad) {
    assert.throws(() => parseSelector(selector), PolicySyntaxError, selector);
    assert.throws(() => validatePolicy([['==', selector, 1]]), PolicySyntaxError, selector);
  }
  assert.throws(() => parseSelector('.a..b'), /recursive descent/);
  assert.throws(() => parseSelector(7), /must be a string/);
});

test('== is deep IPLD equality, and != is its negation', () => {
  const args = {
    a: [1, 2, { b: 3 }],
    m: { x: 1, y: [true, null] },
    bytes: new Uint8Array([1, 2]),
    link: CID.parse('bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4'),
    big: 2n ** 60n,
  };
  assert.equal(holds([['==', '.a', [1, 2, { b: 3 }]]], args), true);
  assert.equal(holds([['!=', '.a', [1, 2, { b: 3 }]]], args), false);
  assert.equal(holds([['==', '.a', [1, 2, { b: 4 }]]], args), false);
  assert.equal(holds([['==', '.a', [1, 2]]], args), false);
  assert.equal(holds([['==', '.m', { y: [true, null], x: 1 }]], args), true);
  assert.equal(holds([['==', '.m', { x: 1 }]], args), false);
  assert.equal(holds([['==', '.bytes', new Uint8Array([1, 2])]], args), true);
  assert.equal(holds([['==', '.bytes', [1, 2]]], args), false);
  assert.equal(holds([['==', '.link', CID.parse(String(args.link))]], args), true);
  assert.equal(holds([['==', '.big', 2n ** 60n]], args), true);
  assert.equal(holds([['==', '.a[0]', 1n]], args), true);
  assert.equal(holds([['==', '.a[0]', 1.0]], args), true);
  assert.equal(holds([['==', '.a[0]', '1']], args), false);
  assert.equal(holds([['==', '.m.x', true]], args), false);
  assert.equal(holds([['!=', '.m.x', 2]], args), true);
  // An unresolvable selector makes == false, so != (which is `not ==`) is true.
  assert.equal(holds([['==', '.a[9]', null]], args), false);
  assert.equal(holds([['!=', '.a[9]', null]], args), true);
});

test('numeric comparisons ignore the numeric type and are false, not errors, for non-numbers', () => {
  const args = { n: 5, f: 2.5, s: '5', big: 2n ** 60n, nil: null, list: [1] };
  assert.equal(holds([['>', '.n', 4]], args), true);
  assert.equal(holds([['>', '.n', 5]], args), false);
  assert.equal(holds([['>=', '.n', 5]], args), true);
  assert.equal(holds([['<', '.n', 5.5]], args), true);
  assert.equal(holds([['<=', '.n', 5.0]], args), true);
  assert.equal(holds([['<', '.f', 3]], args), true);
  assert.equal(holds([['>', '.big', 2 ** 59]], args), true);
  assert.equal(holds([['<', '.n', 2n ** 60n]], args), true);
  for (const field of ['.s', '.nil', '.list', '.missing', '.s.x']) {
    for (const op of ['<', '<=', '>', '>='] as const) {
      assert.equal(holds([[op, field, 1]], args), false, `${op} ${field}`);
    }
  }
});

test('like matches the spec examples for "Alice\\*, Bob*, Carol."', () => {
  const pattern = 'Alice\\*, Bob*, Carol.';
  for (const text of ['Alice*, Bob, Carol.', 'Alice*, Bob, Dan, Erin, Carol.', 'Alice*, Bob  , Carol.', 'Alice*, Bob*, Carol.']) {
    assert.equal(holds([['like', '.s', pattern]], { s: text }), true, text);
  }
  for (const text of ['Alice*, Bob, Carol', 'Alice*, Bob*, Carol!', 'Alice, Bob, Carol.', 'Alice Cooper, Bob, Carol.', ' Alice*, Bob, Carol. ']) {
    assert.equal(holds([['like', '.s', pattern]], { s: text }), false, text);
  }
});

test('like: wildcards match zero or more characters, only whole strings match, and non-strings are false', () => {
  assert.equal(matchesLike('*@example.com', 'bob@example.com'), true);
  assert.equal(matchesLike('*@example.com', 'carol@not.example.com'), false);
  assert.equal(matchesLike('*@example.com', 'bob@example.com.evil'), false);
  assert.equal(matchesLike('a*b*c', 'abc'), true);
  assert.equal(matchesLike('a*b*c', 'aXbYc'), true);
  assert.equal(matchesLike('a*b*c', 'acb'), false);
  assert.equal(matchesLike('ab*ba', 'aba'), false);
  assert.equal(matchesLike('*', ''), true);
  assert.equal(matchesLike('', ''), true);
  assert.equal(matchesLike('', 'x'), false);
  assert.equal(matchesLike('***', 'anything'), true);
  assert.equal(matchesLike('/ws/src/*', '/ws/src/a/b.ts'), true);
  assert.equal(matchesLike('/ws/src/*', '/ws/srcx'), false);
  // `\\` is a literal backslash, so any string can be quoted; a lone backslash is literal.
  assert.equal(matchesLike('C:\\\\Users\\\\*', 'C:\\Users\\bob'), true);
  assert.equal(matchesLike('a\\b', 'a\\b'), true);
  assert.equal(matchesLike('a\\*', 'a*'), true);
  assert.equal(matchesLike('a\\*', 'ab'), false);
  for (const value of [5, null, ['a'], { a: 1 }, new Uint8Array([97])]) {
    assert.equal(holds([['like', '.v', '*']], { v: value }), false);
  }
});

test('and, or and not behave as in the spec examples', () => {
  assert.equal(holds([['and', []]], katie), true);
  assert.equal(holds([['and', [['==', '.name', 'Katie'], ['>=', '.age', 21]]]], katie), true);
  assert.equal(holds([['and', [['==', '.name', 'Katie'], ['>=', '.age', 21], ['==', '.nationalities', ['American']]]]], katie), false);
  assert.equal(holds([['or', []]], katie), true);
  assert.equal(holds([['or', [['==', '.name', 'Katie'], ['>', '.age', 45]]]], katie), true);
  assert.equal(holds([['or', [['==', '.name', 'Bob'], ['>', '.age', 45]]]], katie), false);
  assert.equal(holds([['not', ['and', [['==', '.name', 'Katie'], ['==', '.nationalities', ['American']]]]]], katie), true);
  assert.equal(holds([['not', ['==', '.name', 'Katie']]], katie), false);
  assert.equal(holds([], katie), true);
  assert.equal(holds([['==', '.name', 'Katie'], ['>', '.age', 40]], katie), false);
});

test('all and any behave as in the spec quantifier examples', () => {
  const args = { a: [{ b: 1 }, { b: 2 }, { z: [7, 8, 9] }] };
  assert.equal(holds([['all', '.a', ['>', '.b', 0]]], args), false);
  assert.equal(holds([['any', '.a', ['==', '.b', 2]]], args), true);
  assert.equal(holds([['all', '.a[0:2]', ['>', '.b', 0]]], args), true);
  assert.equal(holds([['any', '.a', ['==', '.b', 3]]], args), false);
});

test('nested quantifiers: fraud@example.com must receive every newsletter', () => {
  const policy = [['all', '.newsletters', ['any', '.recipients', ['==', '.email', 'fraud@example.com']]]];
  const good = {
    newsletters: [
      { recipients: [{ email: 'a@example.com' }, { email: 'fraud@example.com' }] },
      { recipients: [{ email: 'fraud@example.com' }] },
    ],
  };
  const bad = { newsletters: [...good.newsletters, { recipients: [{ email: 'b@example.com' }] }] };
  assert.equal(holds(policy, good), true);
  assert.equal(holds(policy, bad), false);
});

test('the spec validation example: the email policy passes when one recipient matches and fails when none does', () => {
  const policy = [['==', '.from', 'alice@example.com'], ['any', '.to', ['like', '.', '*@example.com']]];
  const valid = { from: 'alice@example.com', to: ['bob@example.com', 'carol@elsewhere.example.com'], title: 'Coffee', body: 'Still on for coffee' };
  assert.equal(holds(policy, valid), true);
  assert.equal(holds(policy, { ...valid, to: ['carol@elsewhere.example.org'] }), false);
  assert.equal(holds(policy, { ...valid, from: 'mallory@example.com' }), false);
});

test('quantifiers range over map values, are false over non-collections, and handle empty collections', () => {
  const args = { m: { a: 1, b: 2 }, s: 'abc', n: 3, empty: [], emptyMap: {} };
  assert.equal(holds([['all', '.m', ['>', '.', 0]]], args), true);
  assert.equal(holds([['any', '.m', ['==', '.', 2]]], args), true);
  assert.equal(holds([['all', '.m', ['>', '.', 1]]], args), false);
  for (const field of ['.s', '.n', '.missing', '.s.x']) {
    assert.equal(holds([['all', field, ['==', '.', 1]]], args), false, field);
    assert.equal(holds([['any', field, ['==', '.', 1]]], args), false, field);
  }
  assert.equal(holds([['all', '.empty', ['==', '.', 1]]], args), true);
  assert.equal(holds([['any', '.empty', ['==', '.', 1]]], args), false);
  assert.equal(holds([['all', '.emptyMap', ['==', '.', 1]]], args), true);
});

test('a malformed policy too deep or too long to print is described, not serialised, in its error', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const cases: Array<[unknown, RegExp]> = [
    [[deep], /pol\[0\]: unknown operator a list; use one of/],
    [[['>', '.a', deep]], /">" compares with a number, got a list/],
    [[['>', '.a', 'x'.repeat(100_000)]], /got "x{80}…"$/],
  ];
  for (const [policy, message] of cases) {
    assert.throws(() => validatePolicy(policy), (error: unknown) => error instanceof PolicySyntaxError && message.test(error.message));
  }
});

test('malformed policies throw with a message that locates the problem', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{}, /a policy is a list of statements/],
    [[['match', '.a', 1]], /pol\[0\]: unknown operator "match"; use one of ==/],
    [['==', '.a', 1], /pol\[0\]: a statement is a list/],
    [[[]], /a statement is a list/],
    [[['==', '.a']], /"==" takes \[op, selector, value\], got 1 argument/],
    [[['==', '.a', 1, 2]], /got 3 argument/],
    [[['like', '.a', 7]], /"like" takes a string pattern/],
    [[['>', '.a', '5']], /">" compares with a number/],
    [[['>', '.a', Number.NaN]], /compares with a number/],
    [[['and', ['==', '.a', 1]]], /pol\[0\]\[1\]\[0\]: a statement is a list/],
    [[['or', 'x']], /"or" takes a list of statements/],
    [[['not', ['==', '.a', 1], 2]], /"not" takes \[op, statement\]/],
    [[['all', '.a']], /"all" takes \[op, selector, statement\]/],
    [[['any', '.a', ['nope']]], /pol\[0\]\[2\]: unknown operator "nope"/],
    [[['==', 7, 1]], /selector must be a string/],
    [[['==', 'a', 1]], /begins with "\."/],
    [[['==', '.a', undefined]], /not IPLD data/],
    [[['==', '.a', () => 1]], /not IPLD data/],
    [[['==', '.a', new Date(0)]], /not IPLD data/],
  ];
  for (const [policy, message] of cases) {
    assert.throws(() => validatePolicy(policy), message, JSON.stringify(policy));
    assert.throws(() => evaluatePolicy(policy as Policy, {}), message);
  }
  let deep: unknown = ['==', '.a', 1];
  for (let i = 0; i < 200; i++) deep = ['not', deep];
  assert.throws(() => validatePolicy([deep]), /nest at most/);
});

test('well-formed policies validate', () => {
  validatePolicy([]);
  validatePolicy([['==', '.', { a: [1, new Uint8Array(1)] }], ['like', '.s', '*'], ['and', []], ['or', [['not', ['<', '.n', 2n]]]]]);
  validatePolicy([['all', '.files[].path', ['like', '.', '/ws/*']]]);
});

test('evaluation never throws on arbitrary arguments', () => {
  const policy: Policy = [
    ['or', [['==', '.a.b[0]', 1], ['like', '.s', 'x*'], ['all', '.l[]', ['>', '.n', 0]], ['any', '.m[-1:]', ['!=', '.', null]]]],
  ];
  const samples: unknown[] = [null, 1, 'str', [], {}, [1, [2]], { a: 'b' }, { a: { b: 'x' } }, { l: 'x' }, { l: [1, { n: 'q' }] }, new Uint8Array(3), { m: new Uint8Array(2) }];
  for (const args of samples) assert.equal(typeof evaluatePolicy(policy, args), 'boolean');
});

test('commands cover their descendants by whole path segment', () => {
  assert.equal(commandCovers('/', '/anything/at/all'), true);
  assert.equal(commandCovers('/', '/'), true);
  assert.equal(commandCovers('/crypto', '/crypto'), true);
  assert.equal(commandCovers('/crypto', '/crypto/sign'), true);
  assert.equal(commandCovers('/crypto', '/cryptocurrency'), false);
  assert.equal(commandCovers('/crypto', '/stack/pop'), false);
  assert.equal(commandCovers('/crypto/sign', '/crypto'), false);
  assert.equal(commandCovers('/crud/mutate', '/crud/mutate/update'), true);
});

test('command syntax follows the spec: lowercase, leading slash, no trailing slash', () => {
  for (const ok of ['/', '/crud', '/crud/create', '/stack/pop', '/crypto/sign', '/foo/bar/baz/qux/quux', '/ほげ/ふが', '/mcp/tools/call']) {
    assert.equal(commandProblem(ok), null, ok);
  }
  assert.match(commandProblem('crud') ?? '', /begin with "\/"/);
  assert.match(commandProblem('/crud/') ?? '', /must not end with "\/"/);
  assert.match(commandProblem('/Crud') ?? '', /lowercase/);
  assert.match(commandProblem('//') ?? '', /must not end|empty segment/);
  assert.match(commandProblem(3) ?? '', /string/);
});
