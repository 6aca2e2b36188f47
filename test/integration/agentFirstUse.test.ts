// An agent's first calls often arrive together (a proxy's first burst, several hooks at once). They must share
// one identity: before, each passed the "no such agent" check and created its own key under the same name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DaemonRequestError } from '../../daemon/src/client/daemonClient';
import { SignetErrorCode } from '../../daemon/src/server/protocol';
import { nextNotification, withHarness } from '../support/daemonHarness';

test('five first calls of a new agent at once create one identity, and all five prompts name it', async () => {
  await withHarness({ approvalTimeoutSeconds: 30 }, async (h) => {
    const asks = Array.from({ length: 5 }, (_, i) => h.agent.request('authz/authorize', { agent: 'burst', cmd: '/fs/read', args: { path: `f${i}.txt` }, workspace: h.workspace, createAgent: true }));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const request = await nextNotification(h.ui, 'approval/didRequest');
      seen.push(request.agent.did);
      await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    }
    await Promise.all(asks);
    const { agents } = await h.ui.request('agent/list', {});
    const named = agents.filter((a) => a.name === 'burst');
    assert.equal(named.length, 1, `one agent named burst, got ${named.length}`);
    assert.deepEqual(new Set(seen), new Set([named[0]?.did]));
    const onDisk = (JSON.parse(readFileSync(join(h.home, 'identities.json'), 'utf8')) as { agents: { name: string }[] }).agents.filter((a) => a.name === 'burst');
    assert.equal(onDisk.length, 1, 'one identity saved under the name');
    const { records } = await h.ui.request('audit/query', { kind: 'identity.created' });
    assert.equal(records.filter((r) => r.data.name === 'burst').length, 1, 'one creation audited');
  });
});

test('two agent/create calls for one name at once: one succeeds, the other is refused as existing', async () => {
  await withHarness({}, async (h) => {
    const results = await Promise.allSettled([h.ui.request('agent/create', { name: 'twin' }), h.ui.request('agent/create', { name: 'twin' })]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected');
    assert.ok(refused?.status === 'rejected' && refused.reason instanceof DaemonRequestError && refused.reason.code === SignetErrorCode.AgentExists);
  });
});
