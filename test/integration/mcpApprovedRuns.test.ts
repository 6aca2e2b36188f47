// What was approved is what runs: through the real proxy and the official filesystem server, the arguments the
// daemon checks and signs are the arguments the server receives. Each numbered case of the issue that found the
// opposite is a test here, and the adversarial corpus is run against the real server: the file it opens must be
// the file the daemon authorized.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { DENIAL_META_KEY } from '../../daemon/src/mcp/gatedRequests';
import type { ApprovalRequest, PathRefusalDetail } from '../../daemon/src/server/protocol';
import { startHarness, tempDir, type Harness } from '../support/daemonHarness';
import { buildPathTree, pathCorpus, type PathTree } from '../fixtures/pathCorpus';
import { connectThroughProxy, filesystemServer, textOf, type ProxiedSession, type ServerCommand } from '../fixtures/mcp/servers';

interface Denial {
  code?: string;
  path?: PathRefusalDetail;
}

function denialOf(result: unknown): Denial | undefined {
  return (result as { _meta?: Record<string, Denial> })._meta?.[DENIAL_META_KEY];
}

function contentOf(file: string): string {
  return `content of ${file}\n`;
}

/** The filesystem server over `dirs`, with `home` as the HOME it expands `~` against. */
function serverOver(home: string, ...dirs: string[]): ServerCommand {
  return { ...filesystemServer(...dirs), env: { HOME: home } };
}

describe('what was approved is what the filesystem server runs', () => {
  let h: Harness;
  let t: PathTree;
  let src: string;
  let coder: ProxiedSession;
  /** Decides each approval request; denies unless a test says otherwise. */
  let decide: (request: ApprovalRequest) => Promise<void>;
  const asked: ApprovalRequest[] = [];

  before(async () => {
    h = await startHarness({ listen: true, approvalTimeoutSeconds: 60 });
    t = buildPathTree(tempDir('signet-runs-'));
    src = join(t.ws, 'src');
    decide = (r) => h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' }).then(() => undefined);
    h.ui.onNotification('approval/didRequest', (r) => {
      asked.push(r);
      void decide(r);
    });
    coder = await connectThroughProxy(h.home, serverOver(t.home, t.ws, t.home), { agent: 'coder', serverName: 'fs', workspace: t.ws });
    await coder.client.listTools();
    // The approval of the issue: everything coder does on this server, for paths under <ws>/src only.
    decide = (r) => h.ui.request('approval/decide', { id: r.id, decision: 'always', narrow: { path: src }, decidedBy: 'test' }).then(() => undefined);
    const first = await coder.client.callTool({ name: 'read_text_file', arguments: { path: join(src, 'a.txt') } });
    assert.equal(textOf(first), contentOf(join(src, 'a.txt')));
    decide = (r) => h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' }).then(() => undefined);
  });

  after(async () => {
    await coder?.close();
    await h.close();
    rmSync(t.root, { recursive: true, force: true });
  });

  /** A new agent holding one tool of the server with any arguments, in a proxy session over `dir` that has listed the tools. */
  async function agentWithTool(agent: string, tool: string, dir: string): Promise<ProxiedSession> {
    await h.ui.request('agent/create', { name: agent });
    await h.ui.request('delegation/issue', { from: 'user', to: agent, cmd: '/mcp/tools/call', pol: [['==', '.tool', tool]], ttl: 3600 });
    const session = await connectThroughProxy(h.home, serverOver(t.home, dir), { agent, serverName: 'fs', workspace: t.ws });
    await session.client.listTools();
    return session;
  }

  /** Runs `work` and returns the approval requests it caused. */
  async function askedDuring(work: () => Promise<void>): Promise<ApprovalRequest[]> {
    const from = asked.length;
    await work();
    return asked.slice(from);
  }

  test('1. a path that looks like a URL scheme is refused with its code, not left out of the check', async () => {
    let result: unknown;
    const requests = await askedDuring(async () => {
      result = await coder.client.callTool({ name: 'read_multiple_files', arguments: { paths: ['src/a.txt', 'ab:/../secret.txt'] } });
    });
    assert.equal((result as { isError?: boolean }).isError, true);
    assert.doesNotMatch(textOf(result), /content of/);
    assert.deepEqual(denialOf(result), { code: 'path-refused', path: { code: 'unknown-scheme', at: '/arguments/paths/1', value: 'ab:/../secret.txt' } });
    assert.equal(requests.length, 0, 'nobody is asked to approve what cannot be checked');
  });

  test('2. .. after a symlink reads the file the kernel would, the one the daemon checked', async () => {
    const result = await coder.client.callTool({ name: 'read_text_file', arguments: { path: 'src/dlink/../../secret.txt' } });
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(textOf(result), contentOf(join(src, 'secret.txt')));
  });

  test('3. ~ is refused instead of being read as a folder of the workspace by one side and as HOME by the other', async () => {
    const result = await coder.client.callTool({ name: 'read_text_file', arguments: { path: '~/secret.txt' } });
    assert.equal(result.isError, true);
    assert.doesNotMatch(textOf(result), /content of/);
    assert.deepEqual(denialOf(result), { code: 'path-refused', path: { code: 'home-relative', at: '/arguments/path', value: '~/secret.txt' } });
  });

  test('4. a relative path is read against the workspace the daemon used, not the server\'s first allowed folder', async () => {
    const inSrc = await connectThroughProxy(h.home, serverOver(t.home, join(t.ws, 'private'), src), { agent: 'coder', serverName: 'fs', workspace: src });
    try {
      const result = await inSrc.client.callTool({ name: 'read_text_file', arguments: { path: 'secret.txt' } });
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(textOf(result), contentOf(join(src, 'secret.txt')));
    } finally {
      await inSrc.close();
    }
  });

  test('5. file: URIs are read as URL parsers read them, and the ambiguous ones are refused', async () => {
    const requests = await askedDuring(async () => {
      const outsideScope = await coder.client.callTool({ name: 'read_text_file', arguments: { path: `file:${join(t.ws, 'secret.txt')}` } });
      assert.equal(outsideScope.isError, true);
      assert.doesNotMatch(textOf(outsideScope), /content of/);
    });
    assert.equal(requests.length, 1, 'the path outside the approval went to a person');
    assert.deepEqual(requests[0]?.paths, [join(t.ws, 'secret.txt')]);
    for (const [value, code] of [
      ['file:../../etc/passwd', 'relative-file-uri'],
      [`file://host${join(src, 'a.txt')}`, 'file-uri-host'],
    ] as const) {
      const result = await coder.client.callTool({ name: 'read_text_file', arguments: { path: value } });
      assert.equal(result.isError, true);
      assert.equal(denialOf(result)?.path?.code, code, value);
    }
  });

  test('6. paths under any argument name reach the check canonical: output_path, and output under a like policy', async () => {
    const pol = [['==', '.tool', 'get_file_info'], ['like', '.arguments.output', `${src}/*`]];
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/mcp/tools/call', pol, ttl: 3600 });
    const requests = await askedDuring(async () => {
      const extra = await coder.client.callTool({ name: 'read_text_file', arguments: { path: join(src, 'a.txt'), output_path: join(t.ws, 'secret.txt') } });
      assert.equal(extra.isError, true, textOf(extra));
      const output = await coder.client.callTool({ name: 'get_file_info', arguments: { path: join(src, 'a.txt'), output: `${src}/../../../../../../../../etc/cron.d/x` } });
      assert.equal(output.isError, true, textOf(output));
    });
    assert.equal(requests.length, 2, 'neither the narrowing nor the like policy covered them');
    assert.deepEqual(requests[0]?.paths, [join(src, 'a.txt'), join(t.ws, 'secret.txt')]);
    assert.deepEqual((requests[1]?.args.arguments as { output: string }).output, '/etc/cron.d/x');
  });

  test('7. arguments that are not an object are refused, not authorized as {} and forwarded as they came', async () => {
    const requests = await askedDuring(async () => {
      for (const args of [[join(t.ws, 'secret.txt')], join(t.ws, 'secret.txt'), 7]) {
        const result = await coder.client.request({ method: 'tools/call', params: { name: 'read_text_file', arguments: args as never } }, CallToolResultSchema);
        assert.equal(result.isError, true);
        assert.doesNotMatch(textOf(result), /content of/);
        assert.equal(denialOf(result)?.code, 'invalid-arguments');
      }
    });
    assert.equal(requests.length, 0);
  });

  test('8. a symlink swapped in while the prompt is open refuses the call instead of being followed', async () => {
    const notes = join(t.ws, 'notes');
    mkdirSync(notes, { recursive: true });
    const target = join(notes, 'x.txt');
    writeFileSync(target, contentOf(target));
    decide = async (r) => {
      rmSync(target);
      symlinkSync(join(t.ws, 'secret.txt'), target);
      await h.ui.request('approval/decide', { id: r.id, decision: 'once', decidedBy: 'test' });
    };
    try {
      const result = await coder.client.callTool({ name: 'read_text_file', arguments: { path: target } });
      assert.equal(result.isError, true, textOf(result));
      assert.doesNotMatch(textOf(result), /content of/);
      assert.equal(denialOf(result)?.code, 'path-changed');
      assert.ok(lstatSync(target).isSymbolicLink());
    } finally {
      decide = (r) => h.ui.request('approval/decide', { id: r.id, decision: 'deny', decidedBy: 'test' }).then(() => undefined);
    }
  });

  test('a file with more than one hard link is not covered by a path narrowing', async () => {
    const result = await coder.client.callTool({ name: 'read_text_file', arguments: { path: join(src, 'hard.txt') } });
    assert.equal(result.isError, true);
    assert.doesNotMatch(textOf(result), /content of/);
  });

  test('for every trick of the corpus, the file the server opens is the file the daemon authorized', async () => {
    const differ = await agentWithTool('differ', 'read_text_file', t.root);
    try {
      const cases = pathCorpus(t).filter((c) => c.key === 'path' && !c.schema);
      assert.ok(cases.length >= 70, `${cases.length} cases`);
      const requests = await askedDuring(async () => {
        for (const c of cases) {
          const result = await differ.client.callTool({ name: 'read_text_file', arguments: { path: c.value } });
          const e = c.expect;
          if ('refused' in e) {
            assert.equal(result.isError, true, c.name);
            assert.equal(denialOf(result)?.path?.code, e.refused, `${c.name}: ${textOf(result).slice(0, 300)} ${JSON.stringify(denialOf(result))}`);
          } else if ('canonical' in e) {
            const file = e.canonical;
            const readable = (e.forwarded ?? file) === file && existsSync(file) && lstatSync(file).isFile() && file.startsWith(`${t.root}/`);
            if (readable) assert.equal(textOf(result), readFileSync(file, 'utf8'), c.name);
            else assert.doesNotMatch(textOf(result), /content of/, `${c.name}: the server read a file although ${file} is not one it can read`);
          } else {
            assert.fail(`${c.name}: a path argument is always classified`);
          }
        }
      });
      assert.equal(requests.length, 0, 'the delegation covered every call that was not refused');
    } finally {
      await differ.close();
    }
  });

  test('text that looks like a path reaches the tool unchanged: the file written holds exactly what was sent', async () => {
    const writer = await agentWithTool('writer', 'write_file', t.ws);
    try {
      const content = '// header\n/* ../../etc/passwd */\n~/notes and file:../x\n';
      const result = await writer.client.callTool({ name: 'write_file', arguments: { path: 'src/written.txt', content } });
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(readFileSync(join(src, 'written.txt'), 'utf8'), content);
    } finally {
      await writer.close();
    }
  });
});
