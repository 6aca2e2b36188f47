import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folderOf, moreChoices } from '../../../extension/src/approvals/decisionChoices';

const request = { cmd: '/mcp/tools/call', paths: ['/repo/src/auth.ts'], tool: 'write_file' };

test('More… offers each duration and always, on this file, this folder, this tool and any call', () => {
  const labels = moreChoices(request, [3600, 8 * 3600]).map((c) => c.label);
  assert.deepEqual(labels, [
    'For 1 h, on this file /repo/src/auth.ts',
    'For 1 h, on this folder /repo/src/',
    'For 1 h, on this tool write_file',
    'For 1 h, on any /mcp/tools/call call',
    'For 8 h, on this file /repo/src/auth.ts',
    'For 8 h, on this folder /repo/src/',
    'For 8 h, on this tool write_file',
    'For 8 h, on any /mcp/tools/call call',
    'Always, on this file /repo/src/auth.ts',
    'Always, on this folder /repo/src/',
    'Always, on this tool write_file',
    'Always, on any /mcp/tools/call call',
  ]);
});

test('each More… choice sends exactly the decision, duration and narrowing it names', () => {
  const choices = moreChoices(request, [3600]);
  const byLabel = new Map(choices.map((c) => [c.label, c.choice]));
  assert.deepEqual(byLabel.get('For 1 h, on this file /repo/src/auth.ts'), { decision: 'ttl', ttlSeconds: 3600, narrow: { path: '/repo/src/auth.ts' } });
  assert.deepEqual(byLabel.get('For 1 h, on this folder /repo/src/'), { decision: 'ttl', ttlSeconds: 3600, narrow: { path: '/repo/src' } });
  assert.deepEqual(byLabel.get('For 1 h, on this tool write_file'), { decision: 'ttl', ttlSeconds: 3600, narrow: { tool: true } });
  assert.deepEqual(byLabel.get('For 1 h, on any /mcp/tools/call call'), { decision: 'ttl', ttlSeconds: 3600 });
  assert.deepEqual(byLabel.get('Always, on this tool write_file'), { decision: 'always', narrow: { tool: true } });
});

test('a request without paths or tool offers only the whole command, and bad durations are dropped', () => {
  const choices = moreChoices({ cmd: '/http/get', paths: [], tool: undefined }, [60, 60, -5, 1.5]);
  assert.deepEqual(
    choices.map((c) => c.label),
    ['For 1 min, on any /http/get call', 'Always, on any /http/get call'],
  );
});

test('a request touching paths in two folders offers no single file or folder', () => {
  const labels = moreChoices({ cmd: '/mcp/tools/call', paths: ['/a/x.ts', '/b/y.ts'], tool: 'move_file' }, [3600]).map((c) => c.label);
  assert.ok(!labels.some((l) => l.includes('this file') || l.includes('this folder')), labels.join('\n'));
});

test('the folder of a path is its parent, and the root stays the root', () => {
  assert.equal(folderOf('/repo/src/auth.ts'), '/repo/src');
  assert.equal(folderOf('/repo/src/'), '/repo');
  assert.equal(folderOf('/top.txt'), '/');
});
