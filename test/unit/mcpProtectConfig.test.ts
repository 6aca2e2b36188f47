import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultServerName } from '../../daemon/src/mcp/runProxy';
import { claudeServerLocations, vscodeUserMcpJson } from '../../daemon/src/mcp/configLocations';
import { ConfigSyntaxError, headersEnvValue, isProtectedEntry, parseConfig, parseHeadersEnv, protectConfigText, protectEntry } from '../../daemon/src/mcp/protectConfig';

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

describe('Streamable HTTP servers', () => {
  test('two servers on one host get distinct default names from their port and path', () => {
    assert.equal(defaultServerName(undefined, [], 'http://localhost:3001/mcp'), 'localhost-3001');
    assert.equal(defaultServerName(undefined, [], 'http://localhost:3002/mcp'), 'localhost-3002');
    assert.equal(defaultServerName(undefined, [], 'https://api.example.com/github/mcp'), 'api.example.com-github');
    assert.equal(defaultServerName(undefined, [], 'https://api.example.com/jira/mcp'), 'api.example.com-jira');
    assert.equal(defaultServerName(undefined, [], 'http://[::1]:8080/'), '_1-8080');
    assert.equal(defaultServerName(undefined, [], 'not a url'), 'http-server');
  });

  test('headers move into SIGNET_MCP_HEADERS as "Name: value" lines that a quote in a value cannot break', () => {
    const headers = { Authorization: 'Bearer ${input:token}', 'X-Filter': 'say "hi" \\ back' };
    const value = headersEnvValue(headers);
    assert.equal(value, 'Authorization: Bearer ${input:token}\nX-Filter: say "hi" \\ back');
    assert.deepEqual(parseHeadersEnv(value), headers);
    // What the client substitutes for ${input:…} is taken as it is, quotes and all.
    assert.deepEqual(parseHeadersEnv(value.replace('${input:token}', 'to"k:en')), { ...headers, Authorization: 'Bearer to"k:en' });
  });

  test('the JSON object written by earlier versions is still read, and anything else is refused with the reason', () => {
    assert.deepEqual(parseHeadersEnv('{"Authorization":"Bearer x"}'), { Authorization: 'Bearer x' });
    assert.throws(() => parseHeadersEnv('{"Authorization":"Bearer "x""}'), /starts like a JSON object but is not one/);
    assert.throws(() => parseHeadersEnv('no colon here'), /is not "Name: value"/);
  });
});

describe('comments and other scopes in a config', () => {
  test('a comment inside a rewritten entry is kept, next to the property it was beside', () => {
    const text = [
      '{',
      '  "servers": {',
      '    "api": {',
      '      // the team\'s staging server',
      '      "type": "http",',
      '      "url": "http://127.0.0.1:9/mcp", // moved in March',
      '      "headers": { "X-Team": "a" }',
      '    },',
      '    "fs": {',
      '      "command": "npx", /* pinned */',
      '      "args": ["-y", "server-fs"]',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    const result = protectConfigText(text, 'mcp.json', { ...options, serversKey: 'servers' });
    assert.match(result.text, /\/\/ the team's staging server/);
    assert.match(result.text, /\/\/ moved in March/);
    assert.match(result.text, /\/\* pinned \*\//);
    const servers = parseConfig(result.text, 'mcp.json').servers as Record<string, Record<string, unknown>>;
    assert.deepEqual(servers.api, {
      type: 'stdio',
      command: options.launcher,
      args: ['mcp-proxy', '--agent', 'cursor', '--server-name', 'api', '--url', 'http://127.0.0.1:9/mcp'],
      env: { SIGNET_MCP_HEADERS: 'X-Team: a' },
    });
    assert.equal(servers.fs?.command, options.launcher);
  });

  test('a line comment moved to the top of a one-line entry does not swallow what follows it', () => {
    for (const text of ['{ "servers": { "a": { "url": "http://x/mcp", // c\n "type": "http" } } }', '{"servers":{"a":{"url":"http://x/mcp" /* b */,"headers":{"A":"b"}}}}']) {
      const result = protectConfigText(text, 'mcp.json', { ...options, serversKey: 'servers' });
      const entry = (parseConfig(result.text, 'mcp.json').servers as Record<string, Record<string, unknown>>).a;
      assert.equal(entry?.command, options.launcher, result.text);
      assert.match(result.text, /\/\/ c|\/\* b \*\//);
    }
  });

  test("~/.claude.json: user-scope servers and this project's local-scope ones are protected, another project's are not", () => {
    const text = JSON.stringify(
      {
        numStartups: 3,
        mcpServers: { usr: { type: 'stdio', command: 'uvx', args: ['mcp-server-git'], env: {} } },
        projects: {
          '/work/app': { allowedTools: [], mcpServers: { loc: { type: 'http', url: 'http://localhost:3001/mcp', headers: { A: 'b' } } } },
          '/work/other': { mcpServers: { theirs: { type: 'stdio', command: 'node', args: ['x.js'] } } },
        },
      },
      null,
      2,
    );
    const { user, local } = claudeServerLocations('/work/app');
    const result = protectConfigText(text, '.claude.json', { ...options, serverLocations: [user, local] });
    assert.deepEqual(result.servers.map((s) => [s.name, s.action]), [['usr', 'wrapped-stdio'], ['loc', 'wrapped-http']]);
    const config = parseConfig(result.text, '.claude.json') as { numStartups: number; mcpServers: Record<string, { command: string }>; projects: Record<string, { mcpServers: Record<string, { command: string; env?: unknown }> }> };
    assert.equal(config.numStartups, 3);
    assert.equal(config.mcpServers.usr?.command, options.launcher);
    assert.deepEqual(config.projects['/work/app']?.mcpServers.loc?.env, { SIGNET_MCP_HEADERS: 'A: b' });
    assert.equal(config.projects['/work/other']?.mcpServers.theirs?.command, 'node');
  });

  test("VS Code's user-level mcp.json is in the profile folder of each platform", () => {
    assert.equal(vscodeUserMcpJson({ userHome: '/home/u', platform: 'linux' }), '/home/u/.config/Code/User/mcp.json');
    assert.equal(vscodeUserMcpJson({ userHome: '/home/u', platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' } }), '/xdg/Code/User/mcp.json');
    assert.equal(vscodeUserMcpJson({ userHome: '/Users/u', platform: 'darwin' }), '/Users/u/Library/Application Support/Code/User/mcp.json');
    assert.equal(vscodeUserMcpJson({ userHome: 'C:\\Users\\u', platform: 'win32', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' } }), 'C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json');
  });
});
