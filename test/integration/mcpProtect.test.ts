// `signet protect` on sample configs of each client (test/fixtures/mcp/configs): dry run, the rewrite with its
// backup and launcher, idempotence, undo; and a protected entry run exactly as the client would run it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, before, beforeEach, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ChildProcessTransport } from '../../daemon/src/mcp/childProcessTransport';
import { launcherPath } from '../../daemon/src/mcp/launcher';
import { parseConfig, parseHeadersEnv } from '../../daemon/src/mcp/protectConfig';
import { protect, undoProtect, type ProtectOptions } from '../../daemon/src/mcp/protectFiles';
import { startHarness, tempDir } from '../support/daemonHarness';
import { builtCli } from '../fixtures/mcp/builtCli';
import { clientInfo, everythingServer, repoRoot, textOf } from '../fixtures/mcp/servers';
import { startStatelessHttpServer } from '../fixtures/mcp/statelessServer';
import { StatelessClient } from '../support/statelessClient';

const fixture = (name: string) => join(repoRoot, 'test/fixtures/mcp/configs', name);

interface Layout {
  home: string;
  workspace: string;
  userHome: string;
  vscode: string;
  vscodeUser: string;
  cursor: string;
  cursorUser: string;
  claude: string;
  /** `~/.claude.json`, with servers of `claude mcp add` in user scope and in this workspace's local scope. */
  claudeUser: string;
}

/** Each client's config file in the layout, with the sample it starts from, in the order protect reports them. */
function configFixtures(l: Layout): [path: string, fixture: string][] {
  return [
    [l.vscode, 'vscode-mcp.json'],
    [l.vscodeUser, 'vscode-user-mcp.json'],
    [l.cursor, 'cursor-mcp.json'],
    [l.cursorUser, 'cursor-user-mcp.json'],
    [l.claude, 'claude-mcp.json'],
    [l.claudeUser, 'claude-user.json'],
  ];
}

/** A sample as it is written into the layout: `~/.claude.json` keys its local scope by the workspace's path. */
function sampleText(l: Pick<Layout, 'workspace'>, name: string): string {
  return readFileSync(fixture(name), 'utf8').replaceAll('__WORKSPACE__', l.workspace);
}

function layout(): Layout {
  const home = tempDir('signet-protect-home-');
  const workspace = tempDir('signet-protect-ws-');
  const userHome = tempDir('signet-protect-user-');
  const l = {
    home,
    workspace,
    userHome,
    vscode: join(workspace, '.vscode', 'mcp.json'),
    vscodeUser: join(userHome, '.config', 'Code', 'User', 'mcp.json'),
    cursor: join(workspace, '.cursor', 'mcp.json'),
    cursorUser: join(userHome, '.cursor', 'mcp.json'),
    claude: join(workspace, '.mcp.json'),
    claudeUser: join(userHome, '.claude.json'),
  };
  for (const [path, name] of configFixtures(l)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, sampleText(l, name));
  }
  return l;
}

function servers(path: string, key: 'servers' | 'mcpServers'): Record<string, Record<string, unknown>> {
  return parseConfig(readFileSync(path, 'utf8'), path)[key] as Record<string, Record<string, unknown>>;
}

describe('signet protect', () => {
  let l: Layout;
  let options: ProtectOptions;
  let cli: string;

  before(async () => {
    cli = await builtCli();
  });
  beforeEach(() => {
    l = layout();
    options = {
      home: l.home,
      workspace: l.workspace,
      userHome: l.userHome,
      clients: ['vscode', 'cursor', 'claude-code'],
      launcherTarget: { node: process.execPath, cli },
    };
  });
  afterEach(() => {
    for (const dir of [l.home, l.workspace, l.userHome]) rmSync(dir, { recursive: true, force: true });
  });

  test('a dry run shows the change for every client and touches no file', async () => {
    const paths = configFixtures(l).map(([path]) => path);
    const originals = paths.map((p) => readFileSync(p));
    const report = await protect({ ...options, dryRun: true });
    assert.deepEqual(report.files.map((f) => [f.file.path, f.status]), paths.map((p) => [p, 'would-change']));
    const vscode = report.files[0];
    assert.match(vscode?.diff ?? '', /^-\s+"command": "npx",$/m);
    assert.match(vscode?.diff ?? '', /^\+\s+"command": ".*\/bin\/signet",$/m);
    assert.deepEqual(paths.map((p) => readFileSync(p)), originals);
    assert.equal(existsSync(launcherPath(l.home)), false);
    assert.equal(existsSync(join(l.home, 'backups')), false);
  });

  test('VS Code: stdio servers run through the launcher, the HTTP server through --url, comments and inputs stay', async () => {
    const report = await protect({ ...options, clients: ['vscode'] });
    const outcome = report.files.find((f) => f.file.path === l.vscode);
    assert.equal(outcome?.status, 'changed');
    assert.deepEqual(outcome?.servers.map((s) => [s.name, s.action]), [
      ['filesystem', 'wrapped-stdio'],
      ['github', 'wrapped-http'],
      ['memory', 'wrapped-stdio'],
    ]);
    const text = readFileSync(l.vscode, 'utf8');
    assert.match(text, /\/\/ Servers for this workspace/);
    const launcher = launcherPath(l.home);
    const s = servers(l.vscode, 'servers');
    assert.deepEqual(s.filesystem, {
      type: 'stdio',
      command: launcher,
      args: ['mcp-proxy', '--agent', 'copilot', '--server-name', 'filesystem', '--workspace', '${workspaceFolder}', '--', 'npx', '-y', '@modelcontextprotocol/server-filesystem', '${workspaceFolder}'],
    });
    assert.deepEqual(s.memory?.env, { MEMORY_FILE_PATH: '${workspaceFolder}/.memory.json' });
    assert.equal(s.github?.type, 'stdio');
    assert.deepEqual(s.github?.args, ['mcp-proxy', '--agent', 'copilot', '--server-name', 'github', '--workspace', '${workspaceFolder}', '--url', 'https://api.githubcopilot.com/mcp/']);
    assert.deepEqual(parseHeadersEnv((s.github?.env as Record<string, string>).SIGNET_MCP_HEADERS ?? ''), { Authorization: 'Bearer ${input:github-token}' });
    assert.ok(!String(s.github?.args).includes('Bearer'), 'no secret on the command line');
    assert.equal((parseConfig(text, l.vscode).inputs as unknown[]).length, 1);
    assert.equal(readFileSync(outcome?.backup ?? '', 'utf8'), readFileSync(fixture('vscode-mcp.json'), 'utf8'));
    assert.equal(statSync(launcher).mode & 0o111, 0o111);
    assert.match(readFileSync(launcher, 'utf8'), new RegExp(`exec '${process.execPath}' '${cli}' "\\$@"`));
  });

  test('Cursor: the project and the user config are both protected; Claude Code: SSE is skipped with a reason', async () => {
    const report = await protect({ ...options, clients: ['cursor', 'claude-code'] });
    assert.deepEqual(report.files.map((f) => [f.file.path, f.status]), [
      [l.cursor, 'changed'],
      [l.cursorUser, 'changed'],
      [l.claude, 'changed'],
      [l.claudeUser, 'changed'],
    ]);
    assert.equal(servers(l.cursorUser, 'mcpServers').time?.command, launcherPath(l.home));
    assert.deepEqual(servers(l.cursor, 'mcpServers').docs?.args, ['mcp-proxy', '--agent', 'cursor', '--server-name', 'docs', '--workspace', '${workspaceFolder}', '--url', 'http://localhost:8808/mcp']);
    assert.match(readFileSync(l.cursorUser, 'utf8'), /^\t\t"time": \{$/m, 'the user config keeps its tab indentation');
    const claude = report.files[2];
    assert.deepEqual(claude?.servers.find((s) => s.name === 'legacy'), { name: 'legacy', action: 'skipped', note: "the legacy SSE transport is not supported by the proxy; use the server's Streamable HTTP endpoint" });
    const claudeServers = servers(l.claude, 'mcpServers');
    assert.deepEqual(claudeServers.legacy, { type: 'sse', url: 'https://example.com/sse' });
    assert.deepEqual((claudeServers.everything?.args as string[] | undefined)?.slice(0, 5), ['mcp-proxy', '--agent', 'claude-code', '--server-name', 'everything']);
  });

  test("Claude Code's ~/.claude.json: user-scope servers and this project's local-scope ones, dry run first, nothing else touched", async () => {
    const before = readFileSync(l.claudeUser, 'utf8');
    const preview = (await protect({ ...options, clients: ['claude-code'], dryRun: true })).files.find((f) => f.file.path === l.claudeUser);
    assert.equal(preview?.status, 'would-change');
    assert.match(preview?.diff ?? '', /^\+\s+"--url",$/m);
    assert.equal(readFileSync(l.claudeUser, 'utf8'), before);

    const outcome = (await protect({ ...options, clients: ['claude-code'] })).files.find((f) => f.file.path === l.claudeUser);
    assert.deepEqual(outcome?.servers.map((s) => [s.name, s.action]), [['git', 'wrapped-stdio'], ['local-api', 'wrapped-http']]);
    const config = parseConfig(readFileSync(l.claudeUser, 'utf8'), l.claudeUser) as Record<string, unknown> & { projects: Record<string, Record<string, unknown>> };
    assert.equal(config.numStartups, 12, "Claude Code's own state stays");
    assert.equal((config.mcpServers as Record<string, { command: string }>).git?.command, launcherPath(l.home));
    const project = config.projects[l.workspace] ?? {};
    assert.equal(project.hasTrustDialogAccepted, true);
    const local = (project.mcpServers as Record<string, { args: string[]; env: Record<string, string> }>)['local-api'];
    assert.deepEqual(local?.args, ['mcp-proxy', '--agent', 'claude-code', '--server-name', 'local-api', '--url', 'http://localhost:3002/mcp']);
    assert.deepEqual(parseHeadersEnv(local?.env.SIGNET_MCP_HEADERS ?? ''), { Authorization: 'Bearer local-token' });
    assert.deepEqual(config.projects['/somewhere/else'], JSON.parse(sampleText(l, 'claude-user.json')).projects['/somewhere/else'], "another project's servers are not this workspace's");

    const undone = (await undoProtect({ ...options, clients: ['claude-code'] })).files.find((f) => f.file.path === l.claudeUser);
    assert.equal(undone?.status, 'restored');
    assert.equal(readFileSync(l.claudeUser, 'utf8'), before);
  });

  test("VS Code's user-level mcp.json: comments inside the rewritten entries stay, and a quoted header value survives", async () => {
    const before = readFileSync(l.vscodeUser, 'utf8');
    const preview = (await protect({ ...options, clients: ['vscode'], dryRun: true })).files.find((f) => f.file.path === l.vscodeUser);
    assert.equal(preview?.status, 'would-change');
    assert.equal(readFileSync(l.vscodeUser, 'utf8'), before);
    await protect({ ...options, clients: ['vscode'] });
    const text = readFileSync(l.vscodeUser, 'utf8');
    assert.match(text, /\/\/ Our team's search gateway; the filter header is quoted/);
    assert.match(text, /\/\/ pinned by the team/);
    const s = servers(l.vscodeUser, 'servers');
    assert.deepEqual(s.search?.args, ['mcp-proxy', '--agent', 'copilot', '--server-name', 'search', '--url', 'http://localhost:3001/mcp'], 'no ${workspaceFolder} in a user-level config');
    assert.deepEqual(parseHeadersEnv((s.search?.env as Record<string, string>).SIGNET_MCP_HEADERS ?? ''), { 'X-Filter': 'lang:"en" OR lang:"de"' });
    const preUndo = (await undoProtect({ ...options, clients: ['vscode'], dryRun: true })).files.find((f) => f.file.path === l.vscodeUser);
    assert.equal(preUndo?.status, 'would-restore');
    await undoProtect({ ...options, clients: ['vscode'] });
    assert.equal(readFileSync(l.vscodeUser, 'utf8'), before);
  });

  test('protecting twice changes nothing the second time', async () => {
    await protect(options);
    const paths = configFixtures(l).map(([path]) => path);
    const after = paths.map((p) => readFileSync(p, 'utf8'));
    const again = await protect(options);
    assert.deepEqual(again.files.map((f) => f.status), paths.map(() => 'unchanged'));
    assert.deepEqual(paths.map((p) => readFileSync(p, 'utf8')), after);
  });

  test('undo restores every file byte for byte, and a second undo has nothing left to restore', async () => {
    await protect(options);
    const preview = await undoProtect({ ...options, dryRun: true });
    const all = (status: string) => configFixtures(l).map(() => status);
    assert.deepEqual(preview.files.map((f) => f.status), all('would-restore'));
    const undone = await undoProtect(options);
    assert.deepEqual(undone.files.map((f) => f.status), all('restored'));
    for (const [path, name] of configFixtures(l)) {
      assert.equal(readFileSync(path, 'utf8'), sampleText(l, name), path);
    }
    assert.deepEqual((await undoProtect(options)).files.map((f) => f.status), all('nothing-to-undo'));
  });

  test('undo after the protected file was edited keeps the edited version aside and says where', async () => {
    await protect({ ...options, clients: ['claude-code'] });
    const edited = `${readFileSync(l.claude, 'utf8')}\n`;
    writeFileSync(l.claude, edited);
    const undone = await undoProtect({ ...options, clients: ['claude-code'] });
    const note = undone.files[0]?.note ?? '';
    assert.match(note, /edited after it was protected; that version is saved at (.+)$/);
    const aside = /saved at (.+)$/.exec(note)?.[1] ?? '';
    assert.equal(readFileSync(aside, 'utf8'), edited);
    assert.equal(readFileSync(l.claude, 'utf8'), readFileSync(fixture('claude-mcp.json'), 'utf8'));
  });

  test('the CLI prints the diff on --dry-run and how to stop the client from asking twice', async () => {
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      // HOME is the test's, so that the CLI reads the sample ~/.claude.json and never the real one.
      const env = { ...process.env, HOME: l.userHome, XDG_CONFIG_HOME: join(l.userHome, '.config') };
      const child = spawn(process.execPath, [cli, '--home', l.home, 'protect', '--client', 'claude-code', '--dry-run', '--workspace', l.workspace], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(run.code, 0);
    assert.match(run.stdout, /would be protected \(dry run\)/);
    assert.match(run.stdout, /^\+.*"mcp-proxy",$/m);
    assert.match(run.stdout, /"permissions": \{ "allow": \["mcp__everything", "mcp__sentry", "mcp__git", "mcp__local-api"\] \}/);
    assert.match(run.stdout, /\.claude\.json \[claude-code\]: would be protected \(dry run\)/);
    assert.equal(readFileSync(l.claude, 'utf8'), readFileSync(fixture('claude-mcp.json'), 'utf8'));
  });
});

describe('a protected config entry, run the way the client runs it', () => {
  test('header values with quotes, typed in or substituted by the client for ${input:…}, reach the HTTP server as written', async () => {
    const h = await startHarness({ listen: true });
    const userHome = tempDir('signet-protect-user-');
    const http = await startStatelessHttpServer();
    try {
      await h.ui.request('agent/create', { name: 'copilot' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'copilot', cmd: '/mcp/tools/call', pol: [], ttl: 3600 });
      const config = join(h.workspace, '.vscode', 'mcp.json');
      mkdirSync(join(config, '..'), { recursive: true });
      const headers = { Authorization: 'Bearer ${input:token}', 'X-Filter': 'lang:"en"' };
      writeFileSync(config, JSON.stringify({ servers: { search: { type: 'http', url: http.url.href, headers } } }, null, 2));
      await protect({ home: h.home, workspace: h.workspace, userHome, clients: ['vscode'], launcherTarget: { node: process.execPath, cli: await builtCli() } });
      const entry = servers(config, 'servers').search as { command: string; args: string[]; env: Record<string, string> };
      // VS Code substitutes its variables into the entry before it starts the server, the token as the person typed it.
      const substitute = (v: string) => v.replaceAll('${workspaceFolder}', h.workspace).replaceAll('${input:token}', 'to"ken');
      const transport = new ChildProcessTransport({ command: entry.command, args: entry.args.map(substitute), cwd: h.workspace, env: { ...process.env, SIGNET_HOME: h.home, SIGNET_MCP_HEADERS: substitute(entry.env.SIGNET_MCP_HEADERS ?? '') } });
      const client = new StatelessClient(transport);
      await client.start();
      const echoed = await client.request('tools/call', { name: 'echo', arguments: { message: 'quoted' } }, 'CallToolResult');
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'Echo: quoted' }]);
      await client.close();
      const post = http.posts.at(-1);
      assert.equal(post?.headers.authorization, 'Bearer to"ken');
      assert.equal(post?.headers['x-filter'], 'lang:"en"');
    } finally {
      await http.close();
      rmSync(userHome, { recursive: true, force: true });
      await h.close();
    }
  });

  test('the launcher starts the proxy, which serves the real server with Signet deciding', async () => {
    const h = await startHarness({ listen: true });
    const userHome = tempDir('signet-protect-user-');
    try {
      await h.ui.request('agent/create', { name: 'claude-code' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'claude-code', cmd: '/mcp/tools/call', pol: [['==', '.server', 'everything']], ttl: 3600 });
      const server = everythingServer();
      writeFileSync(join(h.workspace, '.mcp.json'), JSON.stringify({ mcpServers: { everything: { command: server.command, args: server.args } } }, null, 2));
      await protect({ home: h.home, workspace: h.workspace, userHome, clients: ['claude-code'], launcherTarget: { node: process.execPath, cli: await builtCli() } });
      const entry = servers(join(h.workspace, '.mcp.json'), 'mcpServers').everything as { command: string; args: string[] };
      // The launcher finds the daemon through SIGNET_HOME, as it would through ~/.signet for a real user.
      const transport = new ChildProcessTransport({ command: entry.command, args: entry.args, cwd: h.workspace, env: { ...process.env, SIGNET_HOME: h.home } });
      const client = new Client(clientInfo);
      await client.connect(transport);
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'protected' } });
      assert.match(textOf(echoed), /protected/);
      await client.close();
      assert.equal((await transport.exited()).code, 0);
    } finally {
      rmSync(userHome, { recursive: true, force: true });
      await h.close();
    }
  });
});
