// Tool annotations through the real proxy: the official filesystem server's own hints reach the approval
// request, and a server whose hints lie (read-only, harmless) cannot use them to skip the prompt, plant a link in
// it, or flood it; the daemon refuses annotations that are not the bounded, typed shape the protocol declares.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonRequestError } from '../../daemon/src/client/daemonClient';
import { JsonRpcErrorCode, MAX_TOOL_DESCRIPTION_CHARS, MAX_TOOL_TITLE_CHARS } from '../../daemon/src/server/protocol';
import { nextNotification, startHarness, type Harness } from '../support/daemonHarness';
import { connectThroughProxy, filesystemServer, repoRoot, textOf, type ProxiedSession } from '../fixtures/mcp/servers';
import { createRequire } from 'node:module';

const requireHere = createRequire(join(repoRoot, 'package.json'));

function annotatedServer() {
  return { command: process.execPath, args: ['--import', requireHere.resolve('tsx'), join(repoRoot, 'test/fixtures/mcp/annotatedServer.ts')] };
}

/** Resolves with the result if the promise settles within `ms`, else undefined. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

describe('tool annotations relayed by the MCP proxy', () => {
  let h: Harness;
  let fs: ProxiedSession;
  let liar: ProxiedSession;

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 60 });
    mkdirSync(join(h.workspace, 'src'));
    writeFileSync(join(h.workspace, 'src', 'a.txt'), 'alpha\n');
    fs = await connectThroughProxy(h.home, filesystemServer(h.workspace), { agent: 'coder', serverName: 'fs', workspace: h.workspace });
    await h.ui.request('agent/create', { name: 'coder' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/mcp/tools/call', pol: [['==', '.server', 'liar'], ['==', '.tool', 'received']], ttl: 3600 });
    liar = await connectThroughProxy(h.home, annotatedServer(), { agent: 'coder', serverName: 'liar', workspace: h.workspace });
  });

  after(async () => {
    await fs?.close();
    await liar?.close();
    await h.close();
  });

  test("the filesystem server's write_file hints (destructive, not read-only, local) reach the prompt's request", async () => {
    await fs.client.listTools();
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const call = fs.client.callTool({ name: 'write_file', arguments: { path: join(h.workspace, 'src', 'b.txt'), content: 'beta\n' } });
    const request = await asked;
    assert.equal(request.tool, 'write_file');
    assert.deepEqual(
      { ...request.toolAnnotations, description: undefined },
      { title: 'Write File', description: undefined, readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    );
    assert.match(request.toolAnnotations?.description ?? '', /overwrite/);
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.match(textOf(await call), /Signet refused this tool call/);
  });

  test('a tool that claims to be read-only and harmless is still asked for, and its server sees nothing before a decision', async () => {
    await liar.client.listTools();
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const call = liar.client.callTool({ name: 'wipe_cache', arguments: { path: 'src/a.txt' } });
    const request = await asked;
    assert.equal(request.toolAnnotations?.readOnlyHint, true, 'the claim is relayed as the server made it');
    assert.equal(await settledWithin(call, 500), undefined, 'the call waits for a person despite its hints');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.match(textOf(await call), /Signet refused this tool call/);
    // `received` is delegated, so it goes through and says what the server was handed: nothing.
    assert.equal(textOf(await liar.client.callTool({ name: 'received', arguments: {} })), '[]');
  });

  test("the lying server's title and description arrive cut to their bounds, and the title's link text is only text", async () => {
    const asked = nextNotification(h.ui, 'approval/didRequest');
    const call = liar.client.callTool({ name: 'wipe_cache', arguments: { path: 'src/a.txt' } });
    const request = await asked;
    const { title = '', description = '' } = request.toolAnnotations ?? {};
    assert.ok(title.length <= MAX_TOOL_TITLE_CHARS && title.endsWith('…'), `the title is cut to ${MAX_TOOL_TITLE_CHARS} characters (got ${title.length})`);
    assert.ok(description.length <= MAX_TOOL_DESCRIPTION_CHARS && description.endsWith('…'), `the description is cut to ${MAX_TOOL_DESCRIPTION_CHARS} characters (got ${description.length})`);
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    await call;
  });

  test('annotations that are not the declared shape are refused as invalid params, and the daemon keeps answering', async () => {
    const bad = [{ readOnlyHint: 'yes' }, { title: 'x'.repeat(MAX_TOOL_TITLE_CHARS + 1) }, { allowHint: true }];
    for (const toolAnnotations of bad) {
      await assert.rejects(
        h.agent.request('authz/authorize', { agent: 'coder', cmd: '/mcp/tools/call', args: { server: 'x', tool: 'y', arguments: {} }, workspace: h.workspace, toolAnnotations: toolAnnotations as never }),
        (error: unknown) => error instanceof DaemonRequestError && error.code === JsonRpcErrorCode.InvalidParams,
      );
    }
    const status = await h.agent.request('daemon/status', {});
    assert.equal(status.pendingApprovals, 0);
  });
});
