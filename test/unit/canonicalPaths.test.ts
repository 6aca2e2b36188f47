import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalPath, canonicalizeArgs } from '../../daemon/src/authz/canonicalPaths';
import { tempDir } from '../support/daemonHarness';

const root = tempDir('signet-canon-');
const ws = join(root, 'ws');
mkdirSync(join(ws, 'src'), { recursive: true });
mkdirSync(join(root, 'outside', 'deep'), { recursive: true });
symlinkSync(join(root, 'outside', 'deep'), join(ws, 'src', 'link'));
symlinkSync('../..', join(ws, 'src', 'up'));

test('relative paths resolve against the workspace and dot segments and duplicate slashes fold', () => {
  assert.equal(canonicalPath('src/a.ts', ws), join(ws, 'src/a.ts'));
  assert.equal(canonicalPath('./src//b.ts', ws), join(ws, 'src/b.ts'));
  assert.equal(canonicalPath('src/../secret.txt', ws), join(ws, 'secret.txt'));
  assert.equal(canonicalPath('/etc/../etc/passwd', ws), '/etc/passwd');
});

test('a symlink is followed before a later .. applies, as the kernel would', () => {
  assert.equal(canonicalPath('src/link/x', ws), join(root, 'outside/deep/x'));
  assert.equal(canonicalPath('src/link/../y', ws), join(root, 'outside/y'));
  assert.equal(canonicalPath('src/up/outside', ws), join(root, 'outside'));
});

test('a path that does not exist yet keeps its not-yet-created tail', () => {
  assert.equal(canonicalPath('src/new/dir/file.ts', ws), join(ws, 'src/new/dir/file.ts'));
  assert.equal(canonicalPath('file:///etc/hosts', ws), '/etc/hosts');
});

test('a symlink loop is an error, not a hang', () => {
  symlinkSync('loop-b', join(ws, 'loop-a'));
  symlinkSync('loop-a', join(ws, 'loop-b'));
  assert.throws(() => canonicalPath('loop-a/x', ws), /too many symbolic links/);
});

test('only path-like arguments are rewritten, at any depth, and all of them are listed', () => {
  const { args, paths } = canonicalizeArgs(
    { server: 'fs', tool: 'edit', arguments: { path: 'src/a', content: 'src/../x', edits: [{ file: 'src/link/q' }], paths: ['a', 'b'] } },
    ws,
  );
  assert.deepEqual(args, {
    server: 'fs',
    tool: 'edit',
    arguments: { path: join(ws, 'src/a'), content: 'src/../x', edits: [{ file: join(root, 'outside/deep/q') }], paths: [join(ws, 'a'), join(ws, 'b')] },
  });
  assert.deepEqual(paths, [join(ws, 'src/a'), join(root, 'outside/deep/q'), join(ws, 'a'), join(ws, 'b')]);
});

test('URIs of other schemes are left alone, file URIs are canonicalised', () => {
  const { args, paths } = canonicalizeArgs({ uri: 'https://example.com/a/../b', target: 'test://static/resource/1', source: 'file:///etc/../etc/hosts' }, ws);
  assert.deepEqual(args, { uri: 'https://example.com/a/../b', target: 'test://static/resource/1', source: '/etc/hosts' });
  assert.deepEqual(paths, ['/etc/hosts']);
});

test('a "__proto__" key in the arguments stays an own key, and a path under it is canonicalised too', () => {
  const hostile = JSON.parse('{"arguments": {"__proto__": {"path": "src/../../outside/x"}}}') as Record<string, unknown>;
  const { args, paths } = canonicalizeArgs(hostile, ws);
  const inner = args.arguments as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(inner), Object.prototype);
  assert.ok(Object.hasOwn(inner, '__proto__'));
  assert.deepEqual(inner['__proto__'], { path: join(root, 'outside/x') });
  assert.deepEqual(paths, [join(root, 'outside/x')]);
});
