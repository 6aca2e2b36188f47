import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { denialFor, gateRequestFor, idKey, INVOCATION_META_KEY, isGated, SIGNET_DENIED_ERROR_CODE, withInvocation } from '../../daemon/src/mcp/gatedRequests';

const call = (method: string, params: Record<string, unknown>, id: string | number = 1): JSONRPCRequest => ({ jsonrpc: '2.0', id, method, params });

describe('which MCP requests Signet decides', () => {
  test('tools/call, resources/read and prompts/get are gated; lists, pings and notifications are not', () => {
    assert.ok(isGated(call('tools/call', { name: 'x' })));
    assert.ok(isGated(call('resources/read', { uri: 'file:///x' })));
    assert.ok(isGated(call('prompts/get', { name: 'p' })));
    for (const method of ['tools/list', 'resources/list', 'prompts/list', 'ping', 'initialize', 'completion/complete']) assert.equal(isGated(call(method, {})), false, method);
    assert.equal(isGated({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }), false);
  });

  test('each gated request becomes the Signet command and arguments the issue names', () => {
    assert.deepEqual(gateRequestFor(call('tools/call', { name: 'write_file', arguments: { path: 'a' } }) as never, 'fs'), { cmd: '/mcp/tools/call', args: { server: 'fs', tool: 'write_file', arguments: { path: 'a' } } });
    assert.deepEqual(gateRequestFor(call('resources/read', { uri: 'file:///etc/hosts' }) as never, 'fs'), { cmd: '/mcp/resources/read', args: { server: 'fs', uri: 'file:///etc/hosts' } });
    assert.deepEqual(gateRequestFor(call('prompts/get', { name: 'review', arguments: { lang: 'ts' } }) as never, 'p'), { cmd: '/mcp/prompts/get', args: { server: 'p', prompt: 'review', arguments: { lang: 'ts' } } });
    assert.deepEqual((gateRequestFor(call('tools/call', { name: 'noargs' }) as never, 's') as { args: Record<string, unknown> }).args.arguments, {});
  });

  test('arguments that are not an object, and a name or URI that is not a string, are refused instead of authorized as something else', () => {
    for (const params of [{ name: 'read_file', arguments: ['/etc/passwd'] }, { name: 'read_file', arguments: '/etc/passwd' }, { name: 'read_file', arguments: null }, { name: ['read_file'] }]) {
      assert.ok('malformed' in gateRequestFor(call('tools/call', params) as never, 'fs'), JSON.stringify(params));
    }
    assert.ok('malformed' in gateRequestFor(call('resources/read', { uri: ['file:///etc/passwd'] }) as never, 'fs'));
  });

  test('the tool\'s input schema from tools/list goes with the request', () => {
    const schema = { type: 'object', properties: { path: { type: 'string' } } };
    assert.deepEqual(gateRequestFor(call('tools/call', { name: 'read_file', arguments: {} }) as never, 'fs', (tool) => (tool === 'read_file' ? schema : undefined)), {
      cmd: '/mcp/tools/call',
      args: { server: 'fs', tool: 'read_file', arguments: {} },
      inputSchema: schema,
    });
  });

  test('an allowed request carries the arguments as authorized, gains the invocation in _meta and keeps the client\'s _meta', () => {
    const original = call('tools/call', { name: 't', arguments: { path: 'a', n: 1 }, _meta: { progressToken: 9 } }, 'req-1') as JSONRPCRequest & { method: 'tools/call' };
    const forwarded = withInvocation(original, { decision: 'allow', invocation: 'SU5W', invocationCid: 'bafyinv', chain: ['bafy1'], proofs: ['UFJG'], args: { server: 's', tool: 't', arguments: { path: '/ws/a', n: 1 }, _paths: ['/ws/a'] } });
    assert.deepEqual(forwarded, {
      jsonrpc: '2.0',
      id: 'req-1',
      method: 'tools/call',
      params: { name: 't', arguments: { path: '/ws/a', n: 1 }, _meta: { progressToken: 9, [INVOCATION_META_KEY]: { invocation: 'SU5W', proofs: ['UFJG'], chain: ['bafy1'] } } },
    });
    assert.deepEqual(original.params?._meta, { progressToken: 9 }, 'the original message is not mutated');
  });

  test('a refused tool call is a tool result with isError; a refused read or prompt is a JSON-RPC error outside the reserved range', () => {
    assert.deepEqual(denialFor('tools/call', 3, 'no delegation'), { jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'Signet refused this tool call: no delegation' }], isError: true } });
    const read = denialFor('resources/read', 'r', 'denied', 'denied-by-user') as { error: { code: number; message: string; data: unknown } };
    assert.equal(read.error.code, SIGNET_DENIED_ERROR_CODE);
    assert.ok(read.error.code > -32000 || read.error.code < -32768);
    assert.match(read.error.message, /resource read: denied/);
    assert.deepEqual(read.error.data, { signet: 'denied-by-user' });
  });

  test('the number 1 and the string "1" are different request ids', () => {
    assert.notEqual(idKey(1), idKey('1'));
  });
});
