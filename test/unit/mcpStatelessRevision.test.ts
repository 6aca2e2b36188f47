// The pieces of the 2026-07-28 revision the proxy and the guard apply, on their own: which requests are of it, the
// shape of a refusal, the request headers computed from a body, and the check that headers agree with a body.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { denialFor, isStatelessRevision, requestProtocolVersion } from '../../daemon/src/mcp/gatedRequests';
import { decodeHeaderValue, encodeHeaderValue, headerBodyMismatch, paramHeadersOf, requestHeaders } from '../../daemon/src/mcp/statelessHttp';

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = (name: string, args: Record<string, unknown> = {}): JSONRPCMessage => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: meta } });

describe('the revision of a request', () => {
  test('is read from its own _meta; a request of an earlier revision names none', () => {
    assert.equal(requestProtocolVersion({ params: { _meta: meta } }), '2026-07-28');
    assert.equal(requestProtocolVersion({ params: {} }), undefined);
    assert.equal(isStatelessRevision('2026-07-28'), true);
    assert.equal(isStatelessRevision('2027-01-15'), true);
    assert.equal(isStatelessRevision('2025-11-25'), false);
    assert.equal(isStatelessRevision('9999'), false, 'only a date is a revision');
  });

  test('a refused tool call carries resultType only for a stateless request; other refusals are errors in both', () => {
    const modern = denialFor('tools/call', 1, 'no', 'denied-by-user', undefined, '2026-07-28') as { result: Record<string, unknown> };
    assert.equal(modern.result.resultType, 'complete');
    assert.equal(modern.result.isError, true);
    const legacy = denialFor('tools/call', 1, 'no', 'denied-by-user') as { result: Record<string, unknown> };
    assert.equal('resultType' in legacy.result, false);
    assert.ok('error' in denialFor('resources/read', 1, 'no', undefined, undefined, '2026-07-28'));
  });
});

describe('request headers', () => {
  test('are taken from the body: method, name or URI, and the x-mcp-header parameters, encoded where not plain ASCII', () => {
    const schema = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, opts: { type: 'object', properties: { dry: { type: 'boolean', 'x-mcp-header': 'Dry' } } } } };
    const headers = requestHeaders(call('lookup', { region: 'Zürich', opts: { dry: false } }), '2026-07-28', paramHeadersOf(schema));
    assert.deepEqual(headers, {
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'lookup',
      'Mcp-Param-Region': `=?base64?${Buffer.from('Zürich').toString('base64')}?=`,
      'Mcp-Param-Dry': 'false',
    });
    const read: JSONRPCMessage = { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///a b', _meta: meta } };
    assert.equal(requestHeaders(read, '2026-07-28')['Mcp-Name'], 'file:///a b');
  });

  test('a value that could be read as a header of its own, or as the sentinel, is always encoded', () => {
    for (const value of ['a\r\nMcp-Method: tools/list', ' padded ', '=?base64?eA==?=', 'tab\tinside'.replace('\t', '\u0000')]) {
      const encoded = encodeHeaderValue(value);
      assert.match(encoded, /^=\?base64\?[A-Za-z0-9+/=]*\?=$/, JSON.stringify(value));
      assert.equal(decodeHeaderValue(encoded), value);
    }
    assert.equal(encodeHeaderValue('us-west1'), 'us-west1');
  });
});

describe('headers that disagree with the body', () => {
  const headers = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  const agreeing = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' };

  test('agreeing headers, and a legacy request with none, pass', () => {
    assert.equal(headerBodyMismatch(headers(agreeing), call('echo')), undefined);
    assert.equal(headerBodyMismatch(headers({ 'Mcp-Name': encodeHeaderValue('écho'), 'Mcp-Method': 'tools/call', 'MCP-Protocol-Version': '2026-07-28' }), call('écho')), undefined);
    assert.equal(headerBodyMismatch(headers({ 'MCP-Protocol-Version': '2025-11-25' }), { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }), undefined);
  });

  test('each way a hostile agent could make them disagree is refused with what disagrees', () => {
    const cases: [Record<string, string>, unknown, RegExp][] = [
      [{ ...agreeing, 'Mcp-Method': 'tools/list' }, call('echo'), /Mcp-Method header says "tools\/list" but the body is "tools\/call"/],
      [{ ...agreeing, 'Mcp-Name': 'echo' }, call('delete_file'), /Mcp-Name header says "echo" but the body names "delete_file"/],
      [{ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call' }, call('echo'), /Mcp-Name header is missing/],
      [{ 'MCP-Protocol-Version': '2026-07-28' }, call('echo'), /Mcp-Method header is missing/],
      [{ ...agreeing, 'Mcp-Name': encodeHeaderValue('echo\u0000') }, call('echo'), /Mcp-Name header says/],
      [agreeing, [call('echo'), call('delete_file')], /not a batch/],
      [{ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list', 'Mcp-Name': 'x' }, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } }, /tools\/list has no name/],
      [{ ...agreeing, 'MCP-Protocol-Version': '2026-07-28' }, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }, /MCP-Protocol-Version header says "2026-07-28" but the body's _meta says "undefined"/],
    ];
    for (const [h, body, reason] of cases) assert.match(headerBodyMismatch(headers(h), body) ?? 'passed', reason);
  });
});
