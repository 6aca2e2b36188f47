// The diff an approval prompt shows must be what the tool will really write. For edit_file, the official
// filesystem server applies each edit itself (exact match first, then lines equal apart from indentation,
// re-indented); here each corpus case is applied by the real server to a real file and by the extension's
// proposedChange, and the two results must be byte for byte the same, refusals included.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyChange, proposedChangeOf } from '../../extension/src/approvals/proposedChange';
import { connectDirect, filesystemServer, type Session } from '../fixtures/mcp/servers';

interface Case {
  name: string;
  file: string;
  edits: { oldText: string; newText: string }[];
}

const CASES: Case[] = [
  { name: 'one exact replacement', file: 'a\nb\nc\n', edits: [{ oldText: 'b', newText: 'B' }] },
  { name: 'only the first of two matches', file: 'x\nx\n', edits: [{ oldText: 'x', newText: 'y' }] },
  { name: 'edits in order, the second seeing the first', file: 'one two\n', edits: [{ oldText: 'one', newText: 'two' }, { oldText: 'two two', newText: 'three' }] },
  { name: 'CRLF in the file and in the edit', file: 'a\r\nb\r\nc\r\n', edits: [{ oldText: 'a\r\nb', newText: 'A\r\nB' }] },
  { name: 'a match apart from indentation', file: 'def f():\n    if x:\n        y()\n', edits: [{ oldText: 'if x:\n  y()', newText: 'if z:\n    w()' }] },
  { name: 'an unindented new line after an indented match', file: '  a\n  b\n', edits: [{ oldText: 'a\nb', newText: 'c\nd' }] },
  { name: 'a replacement with $& and $1 in it', file: 'price\n', edits: [{ oldText: 'price', newText: '$& $1 $$' }] },
  { name: 'an empty old text', file: 'body\n', edits: [{ oldText: '', newText: 'head\n' }] },
  { name: 'an edit that matches nothing', file: 'a\n', edits: [{ oldText: 'absent', newText: 'x' }] },
  { name: 'a later edit that matches nothing after an earlier one', file: 'a\n', edits: [{ oldText: 'a', newText: 'b' }, { oldText: 'a', newText: 'c' }] },
  { name: 'trailing blanks ignored by the line match', file: 'keep  \nthis\t\n', edits: [{ oldText: 'keep\nthis', newText: 'kept' }] },
];

describe('edit_file as the official filesystem server applies it', () => {
  let dir: string;
  let server: Session;
  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'signet-diff-')));
    server = await connectDirect(filesystemServer(dir));
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [index, corpusCase] of CASES.entries()) {
    test(`the prompt's result is the server's: ${corpusCase.name}`, async () => {
      const path = join(dir, `case-${index}.txt`);
      writeFileSync(path, corpusCase.file);
      const change = proposedChangeOf({ cmd: '/mcp/tools/call', args: { server: 'fs', tool: 'edit_file', arguments: { path, edits: corpusCase.edits } } });
      assert.ok(change, 'the request is recognised as an edit');
      const predicted = applyChange(change, corpusCase.file);
      const answer = await server.client.callTool({ name: 'edit_file', arguments: { path, edits: corpusCase.edits } });
      if (answer.isError) {
        assert.equal(predicted.ok, false, `the server refused (${JSON.stringify(answer.content)}) but the prompt would show a change`);
        assert.equal(readFileSync(path, 'utf8'), corpusCase.file);
      } else {
        assert.deepEqual(predicted, { ok: true, after: readFileSync(path, 'utf8') });
      }
    });
  }
});
