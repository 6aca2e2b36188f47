// A small unified diff for `signet protect --dry-run`, and the line counts (+12 −3) an approval prompt shows
// for a proposed file change. The changed region of a config is small even when the file is not, so the plain
// longest-common-subsequence table over that region is fast enough and keeps this dependency-free (see diffOps).

type Op = { kind: ' ' | '-' | '+'; line: string; oldNo: number; newNo: number };

function lineOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]!, oldNo: i++, newNo: j++ });
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // On a tie the removal comes first, so a replaced block reads as the old lines, then the new ones.
      ops.push({ kind: '-', line: a[i]!, oldNo: i++, newNo: j });
    } else {
      ops.push({ kind: '+', line: b[j]!, oldNo: i, newNo: j++ });
    }
  }
  return ops;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
}

/** The table holds (n+1)×(m+1) cells; above this many the counts are taken without it. */
const MAX_TABLE_CELLS = 4_000_000;

/**
 * The line operations from one text to the other. The lines both texts begin and end with are set aside first,
 * so an edit in a long file (Claude Code's `~/.claude.json` runs to thousands of lines) costs only its changed
 * region; a region too large for the table (over MAX_TABLE_CELLS) is removed and added whole, which is a true
 * diff if not the smallest.
 */
function diffOps(before: string, after: string): Op[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const oldMiddle = a.slice(head, a.length - tail);
  const newMiddle = b.slice(head, b.length - tail);
  const middle =
    (oldMiddle.length + 1) * (newMiddle.length + 1) > MAX_TABLE_CELLS
      ? [...oldMiddle.map((line, i): Op => ({ kind: '-', line, oldNo: i, newNo: 0 })), ...newMiddle.map((line, j): Op => ({ kind: '+', line, oldNo: oldMiddle.length, newNo: j }))]
      : lineOps(oldMiddle, newMiddle);
  const same = (line: string, i: number, j: number): Op => ({ kind: ' ', line, oldNo: i, newNo: j });
  return [
    ...a.slice(0, head).map((line, i) => same(line, i, i)),
    ...middle.map((o) => ({ ...o, oldNo: o.oldNo + head, newNo: o.newNo + head })),
    ...a.slice(a.length - tail).map((line, k) => same(line, a.length - tail + k, b.length - tail + k)),
  ];
}

/** How many lines a change adds and removes (see diffOps for what a long text costs). */
export function lineChangeCounts(before: string, after: string): { added: number; removed: number } {
  const ops = diffOps(before, after);
  return { added: ops.filter((o) => o.kind === '+').length, removed: ops.filter((o) => o.kind === '-').length };
}

/** A unified diff of two texts with three lines of context; empty when they are equal. */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  if (before === after) return '';
  const ops = diffOps(before, after);
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change that is
    // within 2×context lines of the next one.
    const start = Math.max(0, k - context);
    let end = k;
    for (let look = k; look < ops.length; look++) {
      if (ops[look]!.kind !== ' ') end = look;
      else if (look - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const hunk = ops.slice(start, stop);
    const oldCount = hunk.filter((o) => o.kind !== '+').length;
    const newCount = hunk.filter((o) => o.kind !== '-').length;
    const first = hunk[0]!;
    out.push(`@@ -${first.oldNo + (oldCount ? 1 : 0)},${oldCount} +${first.newNo + (newCount ? 1 : 0)},${newCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    k = stop;
  }
  return `${out.join('\n')}\n`;
}
