// What a person is warned about and offered on a prompt: risk badges from the server's tool annotations (which may
// only make the prompt more careful) or from their absence (MCP's defaults), the choices of a destructive request, the rule that asked, and the offer to
// decide a queued group together with exactly the decision each request gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { commandLink } from '../../../extension/src/approvals/approvalText';
import { DISMISS_NOTE, groupLinks, policyLine, promptHeading, promptMessage, quickActions } from '../../../extension/src/approvals/promptActions';
import { commonFolder, GroupOffers, groupOf } from '../../../extension/src/approvals/requestGroups';
import { riskOf } from '../../../extension/src/approvals/requestRisk';

let n = 0;
function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  n++;
  const path = `/repo/src/file${n}.ts`;
  return {
    id: `r${n}`,
    agent: { did: 'did:key:z6MkCoder', name: 'coder' },
    actingFor: [],
    heldDelegations: [],
    cmd: '/mcp/tools/call',
    args: { server: 'fs', tool: 'read_text_file', arguments: { path }, _paths: [path] },
    summary: `read_text_file ${path}`,
    paths: [path],
    tool: 'read_text_file',
    requestedAt: `2026-01-01T00:00:0${n % 10}.000Z`,
    expiresAt: '2026-01-01T00:02:00.000Z',
    ...overrides,
  };
}

const askRule = { id: 'deploy-needs-a-human', file: '/home/me/.signet/policy/team.cedar', line: 12, outcome: 'ask' as const, reason: 'deploys are reviewed' };

describe('risk from tool annotations', () => {
  test('a tool its server declares destructive gets the destructive badge', () => {
    const risk = riskOf(request({ tool: 'write_file', toolAnnotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false } }));
    assert.equal(risk.destructive, true);
    assert.deepEqual(risk.badges.map((b) => b.kind), ['destructive']);
  });

  test('a tool that is not read-only and does not deny being destructive may change things, as the MCP defaults say', () => {
    const titled = riskOf(request({ toolAnnotations: { title: 'Do Things', openWorldHint: false } }));
    assert.equal(titled.destructive, true);
    assert.deepEqual(titled.badges.map((b) => b.label), ['⚠ may change things (by MCP defaults)']);
    assert.equal(riskOf(request({ toolAnnotations: { readOnlyHint: false, destructiveHint: false } })).destructive, false);
  });

  test('an MCP tool with no annotations at all may change things, with its easy choices those of a destructive one', () => {
    for (const bare of [request(), request({ toolAnnotations: { title: 'Read Text File', description: 'Reads a file' } })]) {
      const risk = riskOf(bare);
      assert.equal(risk.destructive, true, 'MCP defaults: not read-only, destructive');
      assert.deepEqual(risk.badges.map((b) => [b.kind, b.label]), [['may-change', '⚠ may change things (no annotations)']]);
      assert.deepEqual(quickActions(bare, risk).map((a) => a.label), ['Allow once', 'More…', 'Deny']);
    }
  });

  test("a client's built-in tool, which has no annotations to give, gets no badge and the usual choices", () => {
    const read = request({ cmd: '/claude-code/tools/read', tool: 'Read', args: { tool: 'Read', input: { file_path: '/repo/a.ts' } } });
    assert.deepEqual(riskOf(read), { badges: [], destructive: false });
  });

  test('a read-only claim is shown as the server\'s word, and reaching the network is shown', () => {
    const risk = riskOf(request({ toolAnnotations: { readOnlyHint: true, openWorldHint: true } }));
    assert.deepEqual(risk.badges.map((b) => b.label), ['declared read-only', '🌐 reaches the network']);
    assert.equal(risk.destructive, false);
  });

  test('a tool that claims to be read-only while its request writes a file is flagged and treated as destructive', () => {
    const write = request({ tool: 'write_file', args: { server: 'fs', tool: 'write_file', arguments: { path: '/repo/a.ts', content: 'x' } }, toolAnnotations: { readOnlyHint: true, destructiveHint: false } });
    const risk = riskOf(write);
    assert.equal(risk.destructive, true);
    assert.deepEqual(risk.badges.map((b) => b.kind), ['claims-read-only', 'destructive']);
  });

  test('a prompt that a policy rule asked for says so', () => {
    const risk = riskOf(request({ policy: { rule: askRule, reason: 'asked because …' } }));
    assert.equal(risk.askedBy?.id, 'deploy-needs-a-human');
    assert.deepEqual(risk.badges.map((b) => b.label), ['⚠ may change things (no annotations)', 'asked by rule deploy-needs-a-human']);
  });
});

describe('the choices on a prompt', () => {
  test('an ordinary request offers Allow once · Allow for session · More… · Deny', () => {
    assert.deepEqual(quickActions(request(), { destructive: false }).map((a) => a.label), ['Allow once', 'Allow for session', 'More…', 'Deny']);
  });

  test('a destructive request never offers "for session" among its easy choices, and Allow once stays first', () => {
    assert.deepEqual(quickActions(request(), { destructive: true }).map((a) => a.label), ['Allow once', 'More…', 'Deny']);
  });

  test('the title carries the badges and the choices, since a collapsed prompt shows its title alone', () => {
    const r = request({ toolAnnotations: { destructiveHint: true } });
    const once = commandLink('Allow once', 'signet.approval.decide', [r.id, 'once']);
    const more = commandLink('More…', 'signet.approval.more', [r.id]);
    const deny = commandLink('Deny', 'signet.approval.decide', [r.id, 'deny']);
    assert.equal(promptHeading(r, 'coder', riskOf(r)), `Signet · coder · ⚠ destructive — ${once} · ${more} · ${deny}`);
  });

  test('the message names the agent and the target, and says what Cancel does', () => {
    const r = request({ toolAnnotations: { destructiveHint: true } });
    const message = promptMessage({ request: r, wants: 'coder wants delete_file /repo/a.ts on fs (/mcp/tools/call)', change: '', group: undefined, offers: new GroupOffers(), remaining: '1:50 left' }, '/home/me');
    assert.equal(message, `coder wants delete_file /repo/a.ts on fs (/mcp/tools/call). 1:50 left. ${DISMISS_NOTE}`);
  });

  test('the rule that asked is named with its file and line, with a link that opens it', () => {
    const line = policyLine({ policy: { rule: askRule, reason: 'x' } }, '/home/me');
    assert.equal(line, `Asked because rule \`deploy-needs-a-human\` in ~/.signet/policy/team.cedar:12 (deploys are reviewed) · ${commandLink('Open Rule', 'signet.policy.openRule', [askRule.file, 12])}`);
  });

  test('a built-in rule is named without a link, and a rule id cannot plant a link of its own', () => {
    const planted = commandLink('Allow once', 'signet.approval.decide', ['other', 'always']);
    const line = policyLine({ policy: { rule: { id: planted, file: '(built in)', line: 0, outcome: 'ask' }, reason: '' } }, '/home/me');
    assert.doesNotMatch(line, /\]\(command:/);
    assert.match(line, /\(built in\)$/);
  });

  test('a server-written title with link text cannot become a link in the heading', () => {
    const r = request({ toolAnnotations: { destructiveHint: true } });
    const heading = promptHeading(r, `coder ${commandLink('x', 'signet.approval.decide', ['a', 'always'])}`, riskOf(r));
    assert.doesNotMatch(heading.split(' — ')[0] ?? '', /\]\(command:/);
  });
});

describe('deciding queued requests together', () => {
  test('five calls of a tool declared read-only under src/ are offered for this session on src/ and that tool, each still its own decision', () => {
    const reads = Array.from({ length: 5 }, () => request({ toolAnnotations: { readOnlyHint: true } }));
    const group = groupOf(reads[2]!, reads, '/repo');
    assert.deepEqual(group?.ids, reads.map((r) => r.id));
    assert.equal(group?.allowLabel, 'Allow these 5 read_text_file calls under src/ for this session', "worded by the tool's name: its read-only claim is the server's");
    assert.deepEqual(group?.choice, { decision: 'session', narrow: { path: '/repo/src', tool: true } });
    assert.equal(group?.denyLabel, 'Deny these 5');
    const offers = new GroupOffers();
    const links = groupLinks(group, offers);
    const key = offers.remember(group!);
    assert.equal(links, `${commandLink(group!.allowLabel, 'signet.approval.decideGroup', [key, 'allow'])} · ${commandLink('Deny these 5', 'signet.approval.decideGroup', [key, 'deny'])}`);
    assert.deepEqual(offers.get(key), group, 'the link names the offer it was drawn from');
    assert.equal(offers.get('made-up'), undefined, 'a key this window never drew names nothing');
  });

  test("a client's own reads are called reads; an MCP tool is not, whatever its name or claim", () => {
    const builtIn = (i: number) => request({ cmd: '/claude-code/tools/read', tool: 'Read', args: { tool: 'Read', input: { file_path: `/repo/src/r${i}.ts` } } });
    const reads = [1, 2, 3].map(builtIn);
    assert.equal(groupOf(reads[0]!, reads, '/repo')?.allowLabel, 'Allow these 3 reads under src/ for this session');
    const bare = [1, 2, 3].map(() => request());
    assert.deepEqual([groupOf(bare[0]!, bare, '/repo')?.allowLabel, groupOf(bare[0]!, bare, '/repo')?.choice], ['Allow these 3 read_text_file calls once each', { decision: 'once' }], 'no annotations: may change things, so once each');
    const claimed = [1, 2].map(() => request({ tool: 'wipe_disk', args: { server: 'fs', tool: 'wipe_disk', arguments: {} }, paths: [], toolAnnotations: { readOnlyHint: true } }));
    assert.match(groupOf(claimed[0]!, claimed, '/repo')?.allowLabel ?? '', /^Allow these 2 wipe_disk calls/);
  });

  test('a request alone, or one of another agent, tool or server, is not grouped with the others', () => {
    const a = request();
    assert.equal(groupOf(a, [a], '/repo'), undefined);
    const others = [request({ agent: { did: 'did:key:z6MkOther', name: 'other' } }), request({ tool: 'write_file' }), request({ args: { server: 'other', tool: 'read_text_file', arguments: {} } })];
    assert.equal(groupOf(a, [a, ...others], '/repo'), undefined);
  });

  test('destructive requests and requests a policy rule asked for are only ever allowed once each', () => {
    const deletes = [1, 2, 3].map(() => request({ tool: 'delete_file', toolAnnotations: { destructiveHint: true } }));
    assert.deepEqual(groupOf(deletes[0]!, deletes, '/repo')?.choice, { decision: 'once' });
    assert.match(groupOf(deletes[0]!, deletes, '/repo')?.allowLabel ?? '', /once each$/);
    const asked = [1, 2].map(() => request({ policy: { rule: askRule, reason: '' } }));
    assert.deepEqual(groupOf(asked[0]!, asked, '/repo')?.choice, { decision: 'once' });
  });

  test('paths outside the workspace, or not all checkable, are not widened to a folder for the session', () => {
    const outside = [1, 2].map((i) => request({ paths: [`/etc/x${i}`] }));
    assert.deepEqual(groupOf(outside[0]!, outside, '/repo')?.choice, { decision: 'once' });
    const marked = [request({ paths: ['unclassified:foo/bar'] }), request()];
    assert.equal(commonFolder(marked), undefined);
    assert.deepEqual(groupOf(marked[0]!, marked, '/repo')?.choice, { decision: 'once' });
  });

  test('the common folder is the deepest one holding every path', () => {
    assert.equal(commonFolder([{ paths: ['/repo/src/a/x.ts'] }, { paths: ['/repo/src/b/y.ts'] }]), '/repo/src');
    assert.equal(commonFolder([{ paths: ['/repo/src/a/x.ts'] }, { paths: ['/srv/y.ts'] }]), '/');
  });
});
