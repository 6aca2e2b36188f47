import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChangeCounts, unifiedDiff } from '../../daemon/src/mcp/textDiff';

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

test('line counts name the lines a change adds and removes', () => {
  assert.deepEqual(lineChangeCounts('a\nb\nc\n', 'a\nB\nc\nd\n'), { added: 2, removed: 1 });
  assert.deepEqual(lineChangeCounts('', 'a\nb\n'), { added: 2, removed: 0 });
  assert.deepEqual(lineChangeCounts('same\n', 'same\n'), { added: 0, removed: 0 });
});

test('line counts of a small edit in a long file cost only the edited region, and agree with the unified diff', () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
  const changed = [...lines];
  changed.splice(25_000, 1, 'new a', 'new b');
  assert.deepEqual(lineChangeCounts(lines.join('\n'), changed.join('\n')), { added: 2, removed: 1 });
  const small = lines.slice(0, 40).join('\n');
  const smallChanged = [...lines.slice(0, 40)];
  smallChanged[7] = 'x';
  smallChanged.push('y');
  const diff = unifiedDiff(small, smallChanged.join('\n'), labels);
  const counted = lineChangeCounts(small, smallChanged.join('\n'));
  assert.equal(counted.added, diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length);
  assert.equal(counted.removed, diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length);
});

test('a replaced region too large for the table counts as removed and added whole', () => {
  const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n');
  const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n');
  assert.deepEqual(lineChangeCounts(before, after), { added: 3000, removed: 3000 });
});

test('the diff of one line changed in a file of 50,000 lines (a long ~/.claude.json) is the one hunk, numbered from the file', () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `  "key${i}": ${i},`);
  const changed = lines.map((line, i) => (i === 30_000 ? '  "key30000": "protected",' : line));
  const diff = unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, { from: 'a', to: 'b' });
  assert.equal(diff, ['--- a', '+++ b', '@@ -29998,7 +29998,7 @@', ...lines.slice(29_997, 30_000).map((l) => ` ${l}`), `-${lines[30_000]}`, `+${changed[30_000]}`, ...lines.slice(30_001, 30_004).map((l) => ` ${l}`), ''].join('\n'));
});
