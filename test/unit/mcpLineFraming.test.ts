// The stdio framing the relay works in: whole lines as bytes, and the check that decides whether a line the
// client wrote is a JSON-RPC message at all (a line that is not never reaches the server).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forEachLine, LineCutter, parseMessageLine } from '../../daemon/src/mcp/lineFraming';

function cutter(maxLineBytes?: number) {
  const handed: string[] = [];
  const overflows: string[] = [];
  const cut = new LineCutter(
    (lines) => handed.push(lines.toString('utf8')),
    (error) => overflows.push(error.message),
    maxLineBytes,
  );
  return { handed, overflows, push: (text: string) => cut.push(Buffer.from(text, 'utf8')) };
}

describe('cutting a byte stream into whole lines', () => {
  test('only whole lines are handed on, exactly as they came, and a line split across chunks waits for its end', () => {
    const c = cutter();
    c.push('{"a": 1}\n{"b"');
    c.push(':  2}');
    c.push('\r\n{"c":3}\n{"d":4}\n');
    assert.deepEqual(c.handed, ['{"a": 1}\n', '{"b":  2}\r\n{"c":3}\n{"d":4}\n']);
  });

  test('several lines in one chunk are handed on in one piece', () => {
    const c = cutter();
    c.push('1\n2\n3\n4');
    assert.deepEqual(c.handed, ['1\n2\n3\n']);
  });

  test('a line longer than the limit is dropped and reported once, and the lines after it still come through', () => {
    const c = cutter(8);
    c.push('short\n0123');
    c.push('456789');
    c.push('abcdef');
    c.push('tail\nnext\n');
    assert.deepEqual(c.handed, ['short\n', 'next\n']);
    assert.equal(c.overflows.length, 1);
    assert.match(c.overflows[0] ?? '', /longer than 8 bytes was dropped/);
  });

  test('a line that reaches the limit only when its end arrives is dropped too', () => {
    const c = cutter(8);
    c.push('01234');
    c.push('56789\nok\n');
    assert.deepEqual(c.handed, ['ok\n']);
    assert.equal(c.overflows.length, 1);
  });

  test('each line is visited without its line ending, and empty lines are skipped', () => {
    const seen: string[] = [];
    forEachLine(Buffer.from('one\r\n\ntwo\n\r\nthree\n'), (line) => seen.push(line.toString()));
    assert.deepEqual(seen, ['one', 'two', 'three']);
  });
});

describe('reading a line as a JSON-RPC message', () => {
  test('requests, notifications, results and errors are read as they are', () => {
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { a: [1, 2] } } },
      { jsonrpc: '2.0', id: 'r-1', method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
      { jsonrpc: '2.0', id: 2, result: { content: [] } },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no such method', data: { x: 1 } } },
      { jsonrpc: '2.0', error: { code: -32700, message: 'parse error' } },
    ];
    for (const message of lines) assert.deepEqual(parseMessageLine(Buffer.from(JSON.stringify(message))), message);
  });

  test('what is not a single JSON-RPC message is refused with a reason', () => {
    const refused: [string, RegExp][] = [
      ['{"jsonrpc":"2.0","id":1,"method":"tools/call"', /not JSON/],
      ['[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm"}}]', /not a JSON object \(batches/],
      ['{"jsonrpc":"1.0","id":1,"method":"tools/call"}', /"jsonrpc" is not "2.0"/],
      ['{"jsonrpc":"2.0","id":1,"method":["tools/call"]}', /"method" is not a string/],
      ['{"jsonrpc":"2.0","id":null,"method":"tools/call"}', /"id" is neither/],
      ['{"jsonrpc":"2.0","id":1.5,"method":"tools/call"}', /"id" is neither/],
      ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["rm"]}', /"params" is not an object/],
      ['{"jsonrpc":"2.0","id":1,"method":"tools/list","call":{"method":"tools/call"}}', /request has keys other than/],
      ['{"jsonrpc":"2.0","method":"notifications/x","id2":1}', /notification has keys other than/],
      ['{"jsonrpc":"2.0","id":1,"result":{},"method2":"x"}', /result has keys other than/],
      ['{"jsonrpc":"2.0","id":1,"result":[]}', /"result" is not an object/],
      ['{"jsonrpc":"2.0","id":1,"error":{"message":"no code"}}', /lacks an integer "code"/],
      ['{"jsonrpc":"2.0","id":1}', /neither a request, a notification nor a response/],
      ['"tools/call"', /not a JSON object/],
    ];
    for (const [line, reason] of refused) assert.throws(() => parseMessageLine(line), reason, line);
  });

  test('a key given twice is read as JavaScript reads it, the last one winning', () => {
    const message = parseMessageLine('{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"rm"}}');
    assert.equal((message as { method: string }).method, 'tools/call');
  });
});
