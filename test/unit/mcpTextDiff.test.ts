import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from '../../daemon/src/mcp/textDiff';

const labels = { from: 'a', to: 'b' };

test('equal texts have an empty diff', () => {
  assert.equal(unifiedDiff('x\ny\n', 'x\ny\n', labels), '');
});

test('a replaced line shows as its removal then its addition, with context and hunk line numbers', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
  const after = ['1', '2', '3', '4', 'five', '6', '7', '8'].join('\n');
  assert.equal(unifiedDiff(before, after, labels), ['--- a', '+++ b', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join('\n'));
});

test('changes far apart make separate hunks', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  const changed = [...lines];
  changed[2] = 'changed 2';
  changed[25] = 'changed 25';
  const diff = unifiedDiff(lines.join('\n'), changed.join('\n'), labels);
  assert.equal(diff.match(/^@@/gm)?.length, 2);
});

test('lines added to an empty file count from line 1', () => {
  assert.equal(unifiedDiff('', 'a\nb\n', labels), ['--- a', '+++ b', '@@ -0,0 +1,2 @@', '+a', '+b', ''].join('\n'));
});
