// MCP 2026-07-28 mirrors the method and the name of a call into the Mcp-Method and Mcp-Name headers, so that
// gateways can route and decide without parsing the body. A hostile agent would make the two disagree: headers
// that a header-reading party lets through, on a body that does something else. The real `signet mcp-guard --url`
// process, in front of the stateless HTTP fixture, refuses every such request before the server sees it, and lets
// through a call whose headers agree, whether the agent wrote them or `signet mcp-proxy --url` did.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ChildProcessTransport } from '../../daemon/src/mcp/childProcessTransport';
import type { AuthorizeResult } from '../../daemon/src/server/protocol';
import { startHarness, type Harness } from '../support/daemonHarness';
import { StatelessClient } from '../support/statelessClient';
import { builtCli } from '../fixtures/mcp/builtCli';
import { REVISION, startStatelessHttpServer, type StatelessHttpServer } from '../fixtures/mcp/statelessServer';

type Allowed = Extract<AuthorizeResult, { decision: 'allow' }>;

function guardUrlOf(child: ChildProcess): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the guard exited (${code}): ${text}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\S+),/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
  });
}

describe('signet mcp-guard and the 2026-07-28 request headers', () => {
  let h: Harness;
  let cli: string;
  let http: StatelessHttpServer;
  let guard: ChildProcess;
  let guardUrl: string;

  before(async () => {
    [h, cli, http] = await Promise.all([startHarness({ listen: true }), builtCli(), startStatelessHttpServer({ invalidHeaderTools: true })]);
    await h.ui.request('agent/create', { name: 'tester' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'tester', cmd: '/mcp/tools/call', pol: [], ttl: 3600 });
    const userDid = (await h.ui.request('daemon/status', {})).user.did;
    guard = spawn(process.execPath, [cli, '--home', h.home, 'mcp-guard', '--trust', userDid, '--server-name', 'remote', '--url', http.url.href], { stdio: ['ignore', 'ignore', 'pipe'] });
    guardUrl = await guardUrlOf(guard);
  });
  after(async () => {
    guard.kill('SIGTERM');
    await http.close();
    await h.close();
  });

  /** A call the daemon signed for tester: what a hostile agent holds for one tool and tries to stretch. */
  async function signedCall(tool: string, args: Record<string, unknown>): Promise<{ jsonrpc: '2.0'; id: number; method: string; params: Record<string, unknown> }> {
    const answer = await h.agent.request('authz/authorize', { agent: 'tester', cmd: '/mcp/tools/call', args: { server: 'remote', tool, arguments: args } });
    assert.equal(answer.decision, 'allow');
    const allowed = answer as Allowed;
    const meta = { ...StatelessClient.meta(), 'signet/invocation': { invocation: allowed.invocation, proofs: allowed.proofs, chain: allowed.chain } };
    return { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: tool, arguments: args, _meta: meta } };
  }

  async function post(headers: Record<string, string>, body: unknown): Promise<{ status: number; body: { error?: { code: number; message: string }; result?: unknown } }> {
    const response = await fetch(guardUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: number; message: string } } };
  }

  const reachedServer = (id: number, name: string) => http.posts.some((p) => p.body.id === id && p.body.params?.name === name);

  test('a call whose headers agree with its body and whose invocation is valid passes', async () => {
    const call = await signedCall('echo', { message: 'agreed' });
    const answer = await post({ 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' }, call);
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.body.result as { content: unknown }).content, [{ type: 'text', text: 'Echo: agreed' }]);
  });

  test('Mcp-Name naming one tool on a body that calls another is refused as a header mismatch and never forwarded', async () => {
    const call = { ...(await signedCall('read_note', { path: '/etc/hostname' })), id: 8 };
    const answer = await post({ 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' }, call);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, -32020);
    assert.match(answer.body.error?.message ?? '', /Signet guard refused this request: its headers do not match its body \(the Mcp-Name header says "echo" but the body names "read_note"\)/);
    assert.equal(reachedServer(8, 'read_note'), false);
  });

  test('Mcp-Method saying tools/list on a body that calls a tool is refused', async () => {
    const call = { ...(await signedCall('echo', { message: 'hidden' })), id: 9 };
    const answer = await post({ 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/list' }, call);
    assert.equal(answer.status, 400);
    assert.match(answer.body.error?.message ?? '', /the Mcp-Method header says "tools\/list" but the body is "tools\/call"/);
    assert.equal(reachedServer(9, 'echo'), false);
  });

  test('a stateless request without Mcp-Method, or with a protocol version its body does not carry, is refused', async () => {
    const call = { ...(await signedCall('echo', { message: 'bare' })), id: 10 };
    const missing = await post({ 'MCP-Protocol-Version': REVISION }, call);
    assert.equal(missing.status, 400);
    assert.match(missing.body.error?.message ?? '', /the Mcp-Method header is missing/);
    const otherVersion = await post({ 'MCP-Protocol-Version': '2026-12-01', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' }, call);
    assert.match(otherVersion.body.error?.message ?? '', /the MCP-Protocol-Version header says "2026-12-01" but the body's _meta says "2026-07-28"/);
    assert.equal(reachedServer(10, 'echo'), false);
  });

  const stateless = (name: string, extra: Record<string, string> = {}) => ({ 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/call', 'Mcp-Name': name, ...extra });

  test('Mcp-Param-* headers on a call of a tool the guard has not seen listed are refused, and the invocation is not used up', async () => {
    const call = { ...(await signedCall('lookup', { region: 'eu-west', query: 'q' })), id: 20 };
    const answer = await post(stateless('lookup', { 'Mcp-Param-Region': 'eu-west' }), call);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, -32020);
    assert.match(answer.body.error?.message ?? '', /the guard has not seen the tool "lookup" listed, so it cannot check mcp-param-region; list the tools, then send the call again/);
    assert.equal(reachedServer(20, 'lookup'), false);
    // As the revision has a client do on HeaderMismatch: list the tools, then send the very call again.
    await post({ 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/list' }, { jsonrpc: '2.0', id: 21, method: 'tools/list', params: { _meta: StatelessClient.meta() } });
    const again = await post(stateless('lookup', { 'Mcp-Param-Region': 'eu-west' }), call);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual((again.body.result as { content: unknown }).content, [{ type: 'text', text: 'q in eu-west' }]);
  });

  test('Mcp-Param-* headers that are not exactly those the body gives are refused before the server sees them', async () => {
    const call = { ...(await signedCall('lookup', { region: 'eu-west', query: 'q' })), id: 22 };
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'Mcp-Param-Region': 'us-east' }, /the Mcp-Param-Region header says "us-east" but the body's region is "eu-west"/],
      [{}, /the Mcp-Param-Region header is missing, but the body's region is "eu-west"/],
      [{ 'Mcp-Param-Region': 'eu-west', 'Mcp-Param-Tenant': 'other' }, /the request carries mcp-param-tenant, which the tool does not declare/],
    ];
    for (const [headers, reason] of cases) {
      const answer = await post(stateless('lookup', headers), call);
      assert.equal(answer.status, 400, JSON.stringify(headers));
      assert.equal(answer.body.error?.code, -32020);
      assert.match(answer.body.error?.message ?? '', /^Signet guard refused this request: its headers do not match its body/);
      assert.match(answer.body.error?.message ?? '', reason);
    }
    const onEcho = await post(stateless('echo', { 'Mcp-Param-Region': 'eu-west' }), { ...(await signedCall('echo', { message: 'm' })), id: 23 });
    assert.match(onEcho.body.error?.message ?? '', /mcp-param-region, which the tool does not declare/);
    assert.equal(reachedServer(22, 'lookup') || reachedServer(23, 'echo'), false, 'none reached the server');
  });

  test("the server is handed the Mcp-Param-* headers derived from the checked body, not the client's own", async () => {
    const call = { ...(await signedCall('lookup', { region: 'eu-west', query: 'q' })), id: 24 };
    // The same value, in the Base64 form a header-reading party may not decode: accepted, and forwarded plain.
    const answer = await post(stateless('lookup', { 'Mcp-Param-Region': `=?base64?${Buffer.from('eu-west').toString('base64')}?=` }), call);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(http.posts.find((p) => p.body.id === 24)?.headers['mcp-param-region'], 'eu-west');
  });

  test('a call of a tool whose x-mcp-header declaration is invalid is refused', async () => {
    for (const [id, tool] of [[25, 'tags_header'], [26, 'twice_header'], [27, 'number_header']] as const) {
      const answer = await post(stateless(tool), { ...(await signedCall(tool, {})), id });
      assert.equal(answer.body.error?.code, 4100);
      assert.match(answer.body.error?.message ?? '', new RegExp(`Signet guard refused this tool call: the server's definition of "${tool}" is invalid`));
      assert.equal(reachedServer(id, tool), false);
    }
  });

  test('a tools/call sent as a notification, without an id, is refused and never forwarded, even with a valid invocation', async () => {
    const { id: _id, ...notification } = { ...(await signedCall('read_note', { path: '/etc/hostname' })) };
    const answer = await post(stateless('read_note'), notification);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, 4100);
    assert.match(answer.body.error?.message ?? '', /a "tools\/call" sent as a notification \(without an id\) cannot be checked or answered, so it was not forwarded/);
    const batch = await post({}, [{ jsonrpc: '2.0', method: 'resources/read', params: { uri: 'note://welcome' } }]);
    assert.equal(batch.status, 400);
    assert.equal(http.posts.some((p) => p.body.id === undefined && (p.body.method === 'tools/call' || p.raw.includes('resources/read'))), false, 'neither reached the server');
  });

  test('a retry after input_required passes under the same invocation once per such answer, and never as a replay', async () => {
    const call = { ...(await signedCall('confirm', { path: '/tmp/x' })), id: 30 };
    const asked = await post(stateless('confirm'), call);
    const question = asked.body.result as { resultType: string; requestState: string };
    assert.equal(question.resultType, 'input_required');
    const retry = { ...call, id: 31, params: { ...call.params, inputResponses: { confirmation: { action: 'accept', content: {} } }, requestState: question.requestState } };
    const done = await post(stateless('confirm'), retry);
    assert.deepEqual((done.body.result as { content: unknown }).content, [{ type: 'text', text: 'deleted /tmp/x' }]);
    const replayed = await post(stateless('confirm'), { ...retry, id: 32 });
    assert.match(replayed.body.error?.message ?? '', /Replayed/);
    // An invocation whose call completed cannot be passed off as a retry.
    const echo = { ...(await signedCall('echo', { message: 'once' })), id: 33 };
    assert.equal((await post(stateless('echo'), echo)).status, 200);
    const posing = await post(stateless('echo'), { ...echo, id: 34, params: { ...echo.params, inputResponses: {}, requestState: 'made up' } });
    assert.match(posing.body.error?.message ?? '', /Replayed/);
  });

  test('a body that names its tool twice reaches the server only as the guard read it, one name', async () => {
    const call = { ...(await signedCall('echo', { message: 'twice' })), id: 11 };
    // JSON.parse keeps the last "name"; a server whose parser keeps the first would run read_note unchecked.
    const raw = JSON.stringify(call).replace('"name":"echo"', '"name":"read_note","name":"echo"');
    const response = await fetch(guardUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': REVISION, 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' },
      body: raw,
    });
    assert.equal(response.status, 200);
    const forwarded = http.posts.find((p) => p.body.id === 11);
    assert.ok(forwarded, 'the call reached the server');
    assert.equal(forwarded.raw.includes('read_note'), false, forwarded.raw);
  });

  test('an unsigned call hidden behind a byte-order mark or gzip, which servers\' body parsers still read, is refused and never forwarded', async () => {
    const hidden = JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'read_note', arguments: { path: '/etc/hostname' } } });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const withBom = await fetch(guardUrl, { method: 'POST', headers, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(hidden)]) });
    assert.equal(withBom.status, 400);
    assert.equal(((await withBom.json()) as { error: { code: number } }).error.code, -32700);
    const gzipped = await fetch(guardUrl, { method: 'POST', headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipSync(hidden) });
    assert.equal(gzipped.status, 415);
    assert.equal(http.posts.some((p) => p.body.id === 12), false, 'neither reached the server');
  });

  test('signet mcp-proxy --url in front of the guard writes headers that agree, so its calls pass', async () => {
    const transport = new ChildProcessTransport({ command: process.execPath, args: [cli, '--home', h.home, 'mcp-proxy', '--agent', 'tester', '--server-name', 'remote', '--url', guardUrl] });
    const client = new StatelessClient(transport);
    await client.start();
    try {
      const result = await client.request('tools/call', { name: 'echo', arguments: { message: 'through both' } }, 'CallToolResult');
      assert.deepEqual(result.content, [{ type: 'text', text: 'Echo: through both' }]);
    } finally {
      await client.close();
    }
  });
});
