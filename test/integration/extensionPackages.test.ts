// The .vsix of every platform Signet ships for, built as `npm run package -- --target T` builds it, then
// opened and checked here on its own terms: the target's keychain binary and no other native code, no C
// sources, under the size limit; and a manifest that the Marketplace and Open VSX accept.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_PACKAGE_BYTES, SODIUM_TARGETS, TARGETS, packageVsix } from '../../extension/packageVsix.mjs';
import { listZipEntries } from '../../extension/zipEntries.mjs';

const repoRoot = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const NATIVE = /\.(node|bare|dll|dylib|so)$/;

describe('the extension package of each platform', { skip: !existsSync(join(repoRoot, 'dist', 'cli.js')) && 'run npm run build first' }, () => {
  let out: string;
  before(() => (out = mkdtempSync(join(tmpdir(), 'signet-vsix-'))));
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const [target, triple] of Object.entries(TARGETS)) {
    it(`${target}: holds keyring.${triple}.node, no other platform's binary, no C sources, at most 6 MiB`, async () => {
      const { path, size } = await packageVsix({ target, out: join(out, `${target}.vsix`) });
      const entries = listZipEntries(readFileSync(path));
      const expectedNative = [`extension/node_modules/@napi-rs/keyring-${triple}/keyring.${triple}.node`];
      if (SODIUM_TARGETS.has(target)) expectedNative.push(`extension/node_modules/sodium-native/prebuilds/${target}/sodium-native.node`);
      assert.deepEqual(entries.filter((entry) => NATIVE.test(entry)).sort(), expectedNative.sort());
      assert.deepEqual(entries.filter((entry) => /\.(c|h|cc|cpp|gyp)$/.test(entry)), []);
      const otherTriples = Object.values(TARGETS).filter((other) => other !== triple);
      assert.deepEqual(entries.filter((entry) => otherTriples.some((other) => entry.includes(`keyring-${other}/`))), []);
      assert.ok(size <= MAX_PACKAGE_BYTES, `${(size / 1024 / 1024).toFixed(2)} MiB`);
      for (const needed of ['extension/dist/extension.js', 'extension/dist/cli.js', 'extension/dist/hook.js', 'extension/dist/webview.js', `extension/${manifest.icon}`]) {
        assert.ok(entries.includes(needed), `${needed} is in the package`);
      }
      // vsce names these itself: LICENSE.txt, readme.md, changelog.md.
      for (const needed of [/^extension\/license(\.txt)?$/i, /^extension\/readme\.md$/i, /^extension\/changelog\.md$/i]) {
        assert.ok(entries.some((entry) => needed.test(entry)), `${needed.source} is in the package`);
      }
      assert.deepEqual(entries.filter((entry) => entry.includes('media/screenshots/')), [], 'the README loads its pictures from the repository');
    });
  }
});

/** The width and height of a PNG, from its IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  assert.equal(png.toString('latin1', 1, 4), 'PNG', `${path} is a PNG`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('the extension manifest', () => {
  it('has what Open VSX requires: a lowercase name and namespace, a semantic version, an engine and a licence', () => {
    assert.match(manifest.name, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(manifest.publisher, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.match(manifest.engines.vscode, /^\^\d+\.\d+\.\d+$/);
    assert.match(manifest.license, /^[A-Za-z0-9.-]+$/, 'an SPDX licence identifier');
    assert.ok(existsSync(join(repoRoot, 'LICENSE')));
  });

  it('has what the Marketplace shows: a 128×128 PNG icon, repository, bugs, homepage, banner and changelog', () => {
    assert.match(manifest.icon, /\.png$/);
    assert.deepEqual(pngSize(join(repoRoot, manifest.icon)), { width: 128, height: 128 });
    assert.match(manifest.repository.url, /^https:\/\//);
    assert.match(manifest.bugs.url, /^https:\/\//);
    assert.match(manifest.homepage, /^https:\/\//);
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
    assert.ok(existsSync(join(repoRoot, 'CHANGELOG.md')));
  });

  it('has a marketplace README whose pictures are PNG screenshots that exist, by relative path', () => {
    const readme = readFileSync(join(repoRoot, 'extension', 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
    for (const name of ['approval-prompt.png', 'agents-view.png', 'timeline.png']) {
      assert.ok(images.includes(`media/screenshots/${name}`), `the README shows ${name}`);
    }
    for (const image of images) {
      assert.doesNotMatch(image, /^[a-z]+:|\.svg$/i, 'relative, and not an SVG (which vsce refuses)');
      assert.ok(existsSync(join(repoRoot, 'extension', image)), `${image} exists`);
    }
  });
});
