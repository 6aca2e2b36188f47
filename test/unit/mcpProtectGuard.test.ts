// `signet protect --guard`: each local stdio server gets the guard right in front of it, inside the proxy's
// command, so the agent's side and the server's side bracket every call; HTTP servers are told where their
// guard belongs instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpGuardNote, protectConfigText } from '../../daemon/src/mcp/protectConfig';

const launcher = '/home/u/.signet/bin/signet';
const user = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const options = { serversKey: 'mcpServers' as const, launcher, agent: 'claude-code', guard: { trust: [user] } };

function serversOf(text: string): Record<string, { command?: string; args?: string[] }> {
  return (JSON.parse(text) as { mcpServers: Record<string, { command?: string; args?: string[] }> }).mcpServers;
}

test('a stdio server is wrapped as proxy → guard → server, the guard trusting the user and naming the server as the proxy does', () => {
  const text = JSON.stringify({ mcpServers: { fs: { command: 'npx', args: ['-y', 'server-fs', '/repo'] } } }, null, 2);
  const result = protectConfigText(text, '.mcp.json', options);
  assert.deepEqual(result.servers, [{ name: 'fs', action: 'wrapped-stdio' }]);
  assert.deepEqual(serversOf(result.text).fs, {
    command: launcher,
    args: ['mcp-proxy', '--agent', 'claude-code', '--server-name', 'fs', '--', launcher, 'mcp-guard', '--trust', user, '--server-name', 'fs', '--', 'npx', '-y', 'server-fs', '/repo'],
  });
  const again = protectConfigText(result.text, '.mcp.json', options);
  assert.equal(again.changed, false, 'protecting twice changes nothing');
});

test('a server protected without a guard gains one, and a moved launcher is updated in both places', () => {
  const unguarded = protectConfigText(JSON.stringify({ mcpServers: { fs: { command: 'node', args: ['fs.js'] } } }), '.mcp.json', { ...options, guard: undefined } as never);
  const guarded = protectConfigText(unguarded.text, '.mcp.json', options);
  assert.deepEqual(guarded.servers, [{ name: 'fs', action: 'added-guard' }]);
  assert.deepEqual(serversOf(guarded.text).fs?.args, ['mcp-proxy', '--agent', 'claude-code', '--server-name', 'fs', '--', launcher, 'mcp-guard', '--trust', user, '--server-name', 'fs', '--', 'node', 'fs.js']);
  const moved = protectConfigText(guarded.text, '.mcp.json', { ...options, launcher: '/opt/signet/bin/signet' });
  assert.deepEqual(moved.servers, [{ name: 'fs', action: 'updated-launcher' }]);
  const entry = serversOf(moved.text).fs;
  assert.equal(entry?.command, '/opt/signet/bin/signet');
  assert.equal(entry?.args?.[6], '/opt/signet/bin/signet');
});

test('an HTTP server is proxied without a guard, with a note saying where its guard belongs', () => {
  const result = protectConfigText(JSON.stringify({ mcpServers: { remote: { url: 'https://mcp.example.com/mcp' } } }), '.mcp.json', options);
  assert.deepEqual(result.servers, [{ name: 'remote', action: 'wrapped-http', note: httpGuardNote }]);
  assert.ok(!serversOf(result.text).remote?.args?.includes('mcp-guard'));
});
