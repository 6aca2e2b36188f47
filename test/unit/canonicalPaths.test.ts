import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalPath, canonicalizeArgs, UNCLASSIFIED_MARK } from '../../daemon/src/authz/canonicalPaths';
import { tempDir } from '../support/daemonHarness';

const root = tempDir('signet-canon-');
const ws = join(root, 'ws');
mkdirSync(join(ws, 'src'), { recursive: true });
mkdirSync(join(root, 'outside', 'deep'), { recursive: true });
symlinkSync(join(root, 'outside', 'deep'), join(ws, 'src', 'link'));
symlinkSync('../..', join(ws, 'src', 'up'));

test('relative paths resolve against the workspace and dot segments and duplicate slashes fold', async () => {
  assert.equal(await canonicalPath('src/a.ts', ws), join(ws, 'src/a.ts'));
  assert.equal(await canonicalPath('./src//b.ts', ws), join(ws, 'src/b.ts'));
  assert.equal(await canonicalPath('src/../secret.txt', ws), join(ws, 'secret.txt'));
  assert.equal(await canonicalPath('/etc/../etc/passwd', ws), '/etc/passwd');
});

test('a symlink is followed before a later .. applies, as the kernel would', async () => {
  assert.equal(await canonicalPath('src/link/x', ws), join(root, 'outside/deep/x'));
  assert.equal(await canonicalPath('src/link/../y', ws), join(root, 'outside/y'));
  assert.equal(await canonicalPath('src/up/outside', ws), join(root, 'outside'));
});

test('a path that does not exist yet keeps its not-yet-created tail', async () => {
  assert.equal(await canonicalPath('src/new/dir/file.ts', ws), join(ws, 'src/new/dir/file.ts'));
});

test('a symlink loop is an error, not a hang', async () => {
  symlinkSync('loop-b', join(ws, 'loop-a'));
  symlinkSync('loop-a', join(ws, 'loop-b'));
  await assert.rejects(canonicalPath('loop-a/x', ws), { code: 'symlink-loop' });
});

test('only path-like arguments are rewritten, at any depth, and all of them are listed', async () => {
  const { args, paths } = await canonicalizeArgs(
    { server: 'fs', tool: 'edit', arguments: { path: 'src/a', content: 'src/../x', edits: [{ file: 'src/link/q' }], paths: ['a', 'b'] } },
    ws,
    { type: 'object', properties: { server: { type: 'string' }, tool: { type: 'string' } } },
  );
  assert.deepEqual(args, {
    server: 'fs',
    tool: 'edit',
    arguments: { path: join(ws, 'src/a'), content: 'src/../x', edits: [{ file: join(root, 'outside/deep/q') }], paths: [join(ws, 'a'), join(ws, 'b')] },
  });
  assert.deepEqual(paths, [join(ws, 'src/a'), `${UNCLASSIFIED_MARK}src/../x`, join(root, 'outside/deep/q'), join(ws, 'a'), join(ws, 'b')]);
});

test('URIs of other schemes are left alone but unclassified, file URIs are canonicalised and stay URIs', async () => {
  const { args, paths } = await canonicalizeArgs({ uri: 'https://example.com/a/../b', ref: 'test://static/resource/1', source: 'file:///etc/../etc/hosts' }, ws);
  assert.deepEqual(args, { uri: 'https://example.com/a/../b', ref: 'test://static/resource/1', source: 'file:///etc/hosts' });
  assert.deepEqual(paths, [`${UNCLASSIFIED_MARK}https://example.com/a/../b`, `${UNCLASSIFIED_MARK}test://static/resource/1`, '/etc/hosts']);
});

test('a "__proto__" key in the arguments stays an own key, and a path under it is canonicalised too', async () => {
  const hostile = JSON.parse('{"arguments": {"__proto__": {"path": "src/../../outside/x"}}}') as Record<string, unknown>;
  const { args, paths } = await canonicalizeArgs(hostile, ws);
  const inner = args.arguments as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(inner), Object.prototype);
  assert.ok(Object.hasOwn(inner, '__proto__'));
  assert.deepEqual(inner['__proto__'], { path: join(root, 'outside/x') });
  assert.deepEqual(paths, [join(root, 'outside/x')]);
});

test("the path keys of VS Code's built-in tools are read as paths, relative ones made absolute against the workspace", async () => {
  const ws = tempDir('signet-vscode-keys-');
  mkdirSync(join(ws, 'src'));
  const inputs: Record<string, Record<string, unknown>> = {
    create_directory: { dirPath: 'src/generated' },
    list_dir: { path: 'src' },
    read_file: { filePath: 'src/a.ts', startLine: 1, endLine: 9 },
    get_errors: { filePaths: ['src/a.ts', 'src/b.ts'] },
    get_changed_files: { repositoryPath: '.' },
    create_and_run_task: { workspaceFolder: '.', task: { label: 'build' } },
    runTests: { files: ['src/a.test.ts'] },
  };
  for (const [tool, input] of Object.entries(inputs)) {
    const { args, paths } = await canonicalizeArgs({ tool, input }, ws);
    const forwarded = (args.input as Record<string, unknown>);
    for (const [key, value] of Object.entries(input)) {
      if (typeof value === 'string') {
        assert.equal(forwarded[key], join(ws, value), `${tool}.${key}`);
        assert.ok(paths.includes(join(ws, value)), `${tool}.${key} is among the paths the person is shown`);
      } else if (Array.isArray(value)) {
        assert.deepEqual(forwarded[key], value.map((v) => join(ws, String(v))), `${tool}.${key}`);
      }
    }
  }
});
