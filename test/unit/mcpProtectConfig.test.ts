import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultServerName } from '../../daemon/src/mcp/runProxy';
import { ConfigSyntaxError, isProtectedEntry, parseConfig, protectConfigText, protectEntry } from '../../daemon/src/mcp/protectConfig';

const options = { serversKey: 'mcpServers' as const, launcher: '/home/u/.signet/bin/signet', agent: 'cursor' };

describe('rewriting one server entry', () => {
  test('a stdio entry keeps its env and cwd and gains the proxy in front of its command', () => {
    const result = protectEntry('git', { command: 'uvx', args: ['mcp-server-git'], env: { A: '1' }, cwd: '/repo' }, options);
    assert.deepEqual(result, {
      action: 'wrapped-stdio',
      entry: { command: options.launcher, args: ['mcp-proxy', '--agent', 'cursor', '--server-name', 'git', '--', 'uvx', 'mcp-server-git'], env: { A: '1' }, cwd: '/repo' },
    });
  });

  test('an entry protected by an older launcher path is pointed at the current one', () => {
    const old = { command: '/old/home/bin/signet', args: ['mcp-proxy', '--agent', 'cursor', '--', 'x'] };
    assert.ok(isProtectedEntry(old));
    assert.deepEqual(protectEntry('x', old, options), { action: 'updated-launcher', entry: { ...old, command: options.launcher } });
  });

  test('entries the proxy cannot run are skipped with the reason', () => {
    assert.match((protectEntry('s', { type: 'sse', url: 'https://x/sse' }, options) as { skip: string }).skip, /SSE/);
    assert.match((protectEntry('s', { command: 'x', args: 'not a list' }, options) as { skip: string }).skip, /args/);
    assert.match((protectEntry('s', { disabled: true }, options) as { skip: string }).skip, /neither/);
  });
});

describe('rewriting a config text', () => {
  test('a config with a syntax error is refused with where the error is, never guessed at', () => {
    assert.throws(() => parseConfig('{\n  "mcpServers": {\n    "a": { "command": "x" \n}', '/p/.mcp.json'), (error: unknown) => error instanceof ConfigSyntaxError && /\/p\/\.mcp\.json is not valid JSON .* on line \d/.test(error.message));
  });

  test('a config without servers is left as it is', () => {
    const text = '{ "other": 1 }\n';
    assert.deepEqual(protectConfigText(text, 'p', options), { text, changed: false, servers: [] });
  });

  test('the rewrite is idempotent', () => {
    const once = protectConfigText('{\n  "mcpServers": { "a": { "command": "node", "args": ["s.js"] } }\n}\n', 'p', options);
    assert.equal(once.changed, true);
    const twice = protectConfigText(once.text, 'p', options);
    assert.equal(twice.changed, false);
    assert.deepEqual(twice.servers, [{ name: 'a', action: 'already-protected' }]);
  });
});

describe('the default server name', () => {
  test('is read from the package a launcher runs, the script\'s package folder or the URL host', () => {
    assert.equal(defaultServerName('npx', ['-y', '@modelcontextprotocol/server-filesystem@1.2.3', '/x']), 'server-filesystem');
    assert.equal(defaultServerName('node', ['/n/@modelcontextprotocol/server-everything/dist/index.js', 'stdio']), 'server-everything');
    assert.equal(defaultServerName('uvx', ['mcp-server-git']), 'mcp-server-git');
    assert.equal(defaultServerName('node', ['-e', 'process.exit(1)']), 'mcp-server');
    assert.equal(defaultServerName(undefined, [], 'https://mcp.sentry.dev/mcp'), 'mcp.sentry.dev');
  });
});
