import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyChange, proposedChangeOf, summaryText } from '../../../extension/src/approvals/proposedChange';

const mcp = (tool: string, args: Record<string, unknown>) => ({ cmd: '/mcp/tools/call', args: { server: 'fs', tool, arguments: args } });
const hook = (tool: string, input: Record<string, unknown>) => ({ cmd: `/claude-code/tools/${tool.toLowerCase()}`, args: { tool, input } });

describe('a proposed file change', () => {
  test('an MCP write_file is the whole new content, also for a file that does not exist yet', () => {
    const change = proposedChangeOf(mcp('write_file', { path: '/ws/src/a.ts', content: 'x = 1\n' }));
    assert.deepEqual(change, { kind: 'write', path: '/ws/src/a.ts', content: 'x = 1\n', consumed: ['content'] });
    assert.deepEqual(applyChange(change!, undefined), { ok: true, after: 'x = 1\n' });
  });

  test('an MCP edit_file applies its edits in order, each to the first match, with line endings made LF', () => {
    const change = proposedChangeOf(mcp('edit_file', { path: '/ws/a.ts', edits: [{ oldText: 'b', newText: 'B' }, { oldText: 'B\nc', newText: 'C' }] }));
    assert.deepEqual(applyChange(change!, 'a\r\nb\r\nc\r\nb\r\n'), { ok: true, after: 'a\nC\nb\n' });
  });

  test('an MCP edit whose text matches only apart from indentation keeps the file’s indentation, as the server does', () => {
    const change = proposedChangeOf(mcp('edit_file', { path: '/ws/a.py', edits: [{ oldText: 'if x:\n  y()', newText: 'if z:\n    w()' }] }));
    assert.deepEqual(applyChange(change!, 'def f():\n    if x:\n        y()\n'), { ok: true, after: 'def f():\n    if z:\n      w()\n' });
  });

  test('an edit that matches nothing is shown as one the tool would refuse', () => {
    const change = proposedChangeOf(mcp('edit_file', { path: '/ws/a.ts', edits: [{ oldText: 'absent', newText: 'x' }] }));
    const result = applyChange(change!, 'a\n');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /edit 1 of 1 does not match the file, so the tool would refuse it/);
    assert.equal(applyChange(change!, undefined).ok, false, 'a missing file cannot be edited');
  });

  test('Claude Code Edit replaces exactly one occurrence, or all with replace_all, and refuses an ambiguous one', () => {
    const one = proposedChangeOf(hook('Edit', { file_path: '/ws/a.ts', old_string: 'x', new_string: 'y' }))!;
    assert.deepEqual(applyChange(one, 'a x b'), { ok: true, after: 'a y b' });
    assert.match(JSON.stringify(applyChange(one, 'x x')), /matches 2 places, not exactly one/);
    const all = proposedChangeOf(hook('Edit', { file_path: '/ws/a.ts', old_string: 'x', new_string: 'y', replace_all: true }))!;
    assert.deepEqual(applyChange(all, 'x x'), { ok: true, after: 'y y' });
    assert.deepEqual(applyChange(one, 'a\r\nx\r\n'), { ok: true, after: 'a\r\ny\r\n' }, 'Claude Code keeps the line endings');
  });

  test('Claude Code MultiEdit and Write, and VS Code’s replace_string_in_file, are recognised', () => {
    const multi = proposedChangeOf(hook('MultiEdit', { file_path: '/ws/a.ts', edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'b', new_string: 'c', replace_all: true }] }))!;
    assert.deepEqual(applyChange(multi, 'a b'), { ok: true, after: 'c c' });
    assert.equal(proposedChangeOf(hook('Write', { file_path: '/ws/n.ts', content: 'n' }))?.kind, 'write');
    const vscodeEdit = proposedChangeOf({ cmd: '/vscode/tools/replace_string_in_file', args: { tool: 'replace_string_in_file', input: { filePath: '/ws/a.ts', oldString: 'q', newString: 'r' } } });
    assert.deepEqual(applyChange(vscodeEdit!, 'q'), { ok: true, after: 'r' });
  });

  test('requests that write no file, or whose edits are malformed, propose no change', () => {
    assert.equal(proposedChangeOf(mcp('read_file', { path: '/ws/a.ts' })), undefined);
    assert.equal(proposedChangeOf(mcp('edit_file', { path: '/ws/a.ts', edits: [{ oldText: 'a' }] })), undefined);
    assert.equal(proposedChangeOf(mcp('write_file', { content: 'no path' })), undefined);
    assert.equal(proposedChangeOf({ cmd: '/mcp/tools/call', args: { server: 'fs', tool: 'write_file', arguments: ['x'] } }), undefined);
  });
});

test('the prompt sums a change up by file name and lines, or says the tool would refuse it', () => {
  assert.equal(summaryText({ path: '/ws/src/auth.ts', exists: true, after: '', added: 12, removed: 3 }), 'auth.ts: +12 −3');
  assert.equal(summaryText({ path: '/ws/NOTES.md', exists: false, after: 'x', added: 1, removed: 0 }), 'NOTES.md (new file): +1 −0');
  assert.equal(summaryText({ path: '/ws/a.ts', exists: true, refused: 'edit 1 of 1 does not match the file, so the tool would refuse it' }), 'a.ts: edit 1 of 1 does not match the file, so the tool would refuse it');
});
