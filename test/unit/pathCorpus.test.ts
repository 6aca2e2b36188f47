// The adversarial corpus (test/fixtures/pathCorpus.ts) against the daemon's canonicaliser: every trick gets the
// canonical target or the refusal written beside it.
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { canonicalizeArgs, firstChangedPath, HARD_LINKED_MARK, PathRefusal, UNCLASSIFIED_MARK } from '../../daemon/src/authz/canonicalPaths';
import { buildPathTree, pathCorpus } from '../fixtures/pathCorpus';
import { tempDir } from '../support/daemonHarness';

const tree = buildPathTree(tempDir('signet-corpus-'));
const corpus = pathCorpus(tree);

describe('the adversarial path corpus', () => {
  test('it holds at least 80 tricks, each named once', () => {
    assert.ok(corpus.length >= 80, `${corpus.length} cases`);
    assert.equal(new Set(corpus.map((c) => c.name)).size, corpus.length);
  });

  for (const c of corpus) {
    test(`${c.name}: ${'refused' in c.expect ? `is refused (${c.expect.refused})` : 'canonical' in c.expect ? 'becomes its canonical target' : 'unclassified' in c.expect ? 'counts as unclassified' : 'is text'}`, async () => {
      const schema = c.schema ? { type: 'object', properties: { [c.key]: c.schema } } : undefined;
      const run = canonicalizeArgs({ [c.key]: c.value }, tree.ws, schema);
      const e = c.expect;
      if ('refused' in e) {
        await assert.rejects(run, (error: unknown) => {
          assert.ok(error instanceof PathRefusal, String(error));
          assert.equal(error.code, e.refused, error.message);
          assert.equal(error.at, `/${c.key}`);
          return true;
        });
        return;
      }
      const { args, paths } = await run;
      if ('canonical' in e) {
        assert.equal(args[c.key], e.forwarded ?? e.canonical);
        assert.deepEqual(paths, [e.hardLinked ? `${HARD_LINKED_MARK}${e.canonical}` : e.canonical]);
      } else if ('unclassified' in e) {
        assert.equal(args[c.key], c.value);
        assert.deepEqual(paths, [`${UNCLASSIFIED_MARK}${c.value}`]);
      } else {
        assert.equal(args[c.key], c.value);
        assert.deepEqual(paths, []);
      }
    });
  }

  test('a call whose paths come to more bytes than Signet walks is refused, not walked', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => `src/${'d/'.repeat(1000)}${i}`);
    await assert.rejects(canonicalizeArgs({ paths }, tree.ws), { code: 'too-many-paths' });
  });

  test('a path that changed since it was made canonical is found, and unclassified entries are passed over', async () => {
    const swapped = join(tree.ws, 'swapped');
    mkdirSync(swapped);
    const { paths } = await canonicalizeArgs({ path: 'swapped/x.txt', note: 'src/../x' }, tree.ws);
    assert.equal(await firstChangedPath(paths), undefined);
    rmdirSync(swapped);
    symlinkSync(tree.outside, swapped);
    assert.deepEqual(await firstChangedPath(paths), { path: join(tree.ws, 'swapped/x.txt'), now: join(tree.outside, 'x.txt') });
  });

  test('a path of two thousand folders is walked without holding up a short one asked after it', async () => {
    const deep = `deep/${'d/'.repeat(2000)}x.txt`;
    mkdirSync(join(tree.ws, deep, '..'), { recursive: true });
    const finished: string[] = [];
    await Promise.all([
      canonicalizeArgs({ path: deep }, tree.ws).then(() => finished.push('deep')),
      canonicalizeArgs({ path: 'src/a.txt' }, tree.ws).then(() => finished.push('short')),
    ]);
    assert.deepEqual(finished, ['short', 'deep']);
  });

  test('a call naming more paths than Signet checks is refused, not walked', async () => {
    const paths = Array.from({ length: 300 }, (_, i) => `src/${i}.txt`);
    await assert.rejects(canonicalizeArgs({ paths }, tree.ws), { code: 'too-many-paths' });
  });
});
