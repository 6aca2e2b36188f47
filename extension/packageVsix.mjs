// `npm run package`: builds a platform-specific .vsix with @vscode/vsce. Everything is bundled by esbuild
// except the native bindings, whose binaries differ per platform: the keychain's (@napi-rs/keyring) and
// libsodium's (sodium-native, which signs). So the package is assembled in a staging folder holding the
// manifest, dist/, the media, and exactly one binary of each: the target's. `.vscodeignore` (at the
// repository root) keeps maps and sources out. Every package is listed and checked after it is built:
// the target's binaries and no others, no C sources, at most MAX_PACKAGE_BYTES.
//
//   node extension/packageVsix.mjs [--target linux-x64|darwin-arm64|win32-x64|…|all] [--out FILE]
//
// For the machine's own platform the keychain binary is copied from node_modules; for another target its
// npm package is fetched once with `npm pack` into .cache/native-packages/ and unpacked.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listZipEntries } from './zipEntries.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * Where the Marketplace and Open VSX load the README's images from: vsce prefixes relative image links
 * with it. The screenshots stay out of the package itself (.vscodeignore), which they would only enlarge.
 */
const IMAGES_URL = `${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).repository.url.replace(/\.git$/, '')}/raw/HEAD/extension`;

/**
 * The targets Signet ships a package for: vsce's target name → the napi-rs triple that names the
 * @napi-rs/keyring binary for it (package `@napi-rs/keyring-<triple>`, file `keyring.<triple>.node`).
 */
export const TARGETS = {
  'linux-x64': 'linux-x64-gnu',
  'linux-arm64': 'linux-arm64-gnu',
  'alpine-x64': 'linux-x64-musl',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64-msvc',
  'win32-arm64': 'win32-arm64-msvc',
};

/** Room for Cedar's WebAssembly (about 1.5 MiB compressed) beside today's ≈2.4 MiB. */
export const MAX_PACKAGE_BYTES = 6 * 1024 * 1024;

/**
 * The vsce targets that sodium-native publishes a binary for, in its folder prebuilds/<target>/. The daemon signs
 * and verifies through it when it loads (see daemon/src/ucan/libsodium.ts); other targets (musl) use
 * node:crypto.
 */
export const SODIUM_TARGETS = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']);

/** The files of dist/ the extension needs at run time (maps stay out). */
const DIST_FILES = ['extension.js', 'signet.js', 'cli.js', 'hook.js', 'webview.js', 'webview.css'];

function isMusl() {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport?.();
  return !(report && typeof report === 'object' && report.header?.glibcVersionRuntime);
}

export function hostTarget() {
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  if (process.platform === 'linux') return `${isMusl() ? 'alpine' : 'linux'}-${arch}`;
  return `${process.platform}-${arch}`;
}

export function vsixPath(target = hostTarget()) {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  return join(repoRoot, 'dist', `signet-${version}-${target}.vsix`);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  return result;
}

function versionOf(packageDir) {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
}

/** The manifest as shipped: no scripts or dev tooling, and only the native bindings as dependencies. */
function shippedManifest(keyringVersion, sodiumVersion, engines = {}) {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  delete manifest.scripts;
  delete manifest.devDependencies;
  delete manifest.private;
  delete manifest.bin;
  manifest.dependencies = { '@napi-rs/keyring': keyringVersion, ...(sodiumVersion ? { 'sodium-native': sodiumVersion } : {}), ...engines };
  return manifest;
}

/**
 * The folder of `@napi-rs/keyring-<triple>` at `version`: node_modules' own for this machine's platform,
 * otherwise the package fetched with `npm pack` (which, unlike `npm install`, takes a package of any
 * platform and nothing else with it) and unpacked under .cache/native-packages/.
 */
function keyringBinaryPackage(triple, version) {
  const name = `@napi-rs/keyring-${triple}`;
  const local = join(repoRoot, 'node_modules', name);
  if (existsSync(local) && versionOf(local) === version) return local;
  const unpacked = join(repoRoot, '.cache', 'native-packages', `keyring-${triple}-${version}`);
  if (existsSync(join(unpacked, 'package.json'))) return unpacked;
  const downloads = join(repoRoot, '.cache', 'native-packages', 'downloads');
  mkdirSync(downloads, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = spawnSync(npm, ['pack', `${name}@${version}`, '--silent', '--pack-destination', downloads], { encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack ${name}@${version} failed (exit ${packed.status}): ${packed.stderr.trim()}`);
  const tarball = join(downloads, packed.stdout.trim().split('\n').pop());
  const partial = `${unpacked}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);
  renameSync(partial, unpacked);
  return unpacked;
}

/** Copies sodium-native's loader, manifest, licence and the target's one binary (not its C sources). */
function stageSodium(stage, target) {
  const sodiumDir = dirname(require.resolve('sodium-native/package.json'));
  const stagedSodium = join(stage, 'node_modules', 'sodium-native');
  for (const file of ['package.json', 'index.js', 'LICENSE']) cpSync(join(sodiumDir, file), join(stagedSodium, file));
  cpSync(join(sodiumDir, 'prebuilds', target), join(stagedSodium, 'prebuilds', target), { recursive: true, filter: (path) => !path.endsWith('.bare') });
  const loaderDir = dirname(createRequire(join(sodiumDir, 'index.js')).resolve('node-gyp-build/package.json'));
  cpSync(loaderDir, join(stage, 'node_modules', 'node-gyp-build'), { recursive: true, dereference: true });
  return versionOf(sodiumDir);
}

/**
 * The owner policy's two WebAssembly engines, which the daemon requires at run time from node_modules: Cedar's
 * Node build (its glue and its 4.3 MB module) and tree-sitter with only the bash grammar. Answers their versions.
 */
function stagePolicyEngines(stage) {
  const cedarDir = join(dirname(require.resolve('@cedar-policy/cedar-wasm/nodejs')), '..');
  const stagedCedar = join(stage, 'node_modules', '@cedar-policy', 'cedar-wasm');
  for (const file of ['package.json', 'nodejs/package.json', 'nodejs/cedar_wasm.js', 'nodejs/cedar_wasm_bg.wasm']) cpSync(join(cedarDir, file), join(stagedCedar, file));
  const treeSitterDir = dirname(require.resolve('@vscode/tree-sitter-wasm/package.json'));
  const stagedTreeSitter = join(stage, 'node_modules', '@vscode', 'tree-sitter-wasm');
  for (const file of ['package.json', 'LICENSE', 'wasm/tree-sitter.js', 'wasm/tree-sitter.wasm', 'wasm/tree-sitter-bash.wasm']) cpSync(join(treeSitterDir, file), join(stagedTreeSitter, file));
  return { '@cedar-policy/cedar-wasm': versionOf(cedarDir), '@vscode/tree-sitter-wasm': versionOf(treeSitterDir) };
}

function stagePackage(target) {
  const triple = TARGETS[target];
  const stage = join(repoRoot, '.cache', 'vsix-stage', target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'dist'), { recursive: true });
  for (const file of DIST_FILES) cpSync(join(repoRoot, 'dist', file), join(stage, 'dist', file));
  cpSync(join(repoRoot, 'extension', 'media'), join(stage, 'extension', 'media'), { recursive: true });
  cpSync(join(repoRoot, 'extension', 'README.md'), join(stage, 'README.md'));
  cpSync(join(repoRoot, 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));
  cpSync(join(repoRoot, 'LICENSE'), join(stage, 'LICENSE'));
  cpSync(join(repoRoot, '.vscodeignore'), join(stage, '.vscodeignore'));

  const keyringDir = dirname(require.resolve('@napi-rs/keyring/package.json'));
  const keyringVersion = versionOf(keyringDir);
  cpSync(keyringDir, join(stage, 'node_modules', '@napi-rs', 'keyring'), { recursive: true, dereference: true });
  const binaryDir = keyringBinaryPackage(triple, keyringVersion);
  cpSync(binaryDir, join(stage, 'node_modules', '@napi-rs', `keyring-${triple}`), { recursive: true, dereference: true });
  const sodiumVersion = SODIUM_TARGETS.has(target) ? stageSodium(stage, target) : undefined;
  const engines = stagePolicyEngines(stage);
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shippedManifest(keyringVersion, sodiumVersion, engines), null, 2)}\n`);
  return stage;
}

/**
 * What must hold of every package: the target's keychain binary, no native binary of another platform or
 * of anything else, no C sources or headers, and the size limit. Returns the problems, empty when none.
 */
export function packageProblems(entries, size, target) {
  const triple = TARGETS[target];
  const problems = [];
  const keyringBinary = `extension/node_modules/@napi-rs/keyring-${triple}/keyring.${triple}.node`;
  if (!entries.includes(keyringBinary)) problems.push(`${keyringBinary} is missing`);
  const sodiumBinary = `extension/node_modules/sodium-native/prebuilds/${target}/sodium-native.node`;
  if (SODIUM_TARGETS.has(target) && !entries.includes(sodiumBinary)) problems.push(`${sodiumBinary} is missing`);
  for (const engine of ['extension/node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm', 'extension/node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-bash.wasm']) {
    if (!entries.includes(engine)) problems.push(`${engine} is missing (the owner policy needs it)`);
  }
  const allowed = new Set([keyringBinary, sodiumBinary]);
  for (const entry of entries) {
    if (/\.(node|bare|dll|dylib|so)$/.test(entry) && !allowed.has(entry)) problems.push(`${entry} is a native binary that is not the target's`);
    if (/\.(c|h|cc|cpp|gyp)$/.test(entry)) problems.push(`${entry} is a C source or header`);
  }
  if (size > MAX_PACKAGE_BYTES) problems.push(`the package is ${(size / 1024 / 1024).toFixed(2)} MiB, over ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB`);
  return problems;
}

export async function packageVsix({ target = hostTarget(), out = vsixPath(target) } = {}) {
  if (!TARGETS[target]) throw new Error(`unknown target "${target}"; use one of ${Object.keys(TARGETS).join(', ')} or all`);
  for (const file of DIST_FILES) {
    if (!existsSync(join(repoRoot, 'dist', file))) throw new Error(`dist/${file} is missing; run npm run build first`);
  }
  const stage = stagePackage(target);
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  // `vsce ls` checks the manifest and .vscodeignore as `vsce package` would, and shows what will be in it.
  run(process.execPath, [vsce, 'ls'], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(dirname(out), { recursive: true });
  run(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--baseImagesUrl', IMAGES_URL], { cwd: stage });
  const size = statSync(out).size;
  const entries = listZipEntries(readFileSync(out));
  const problems = packageProblems(entries, size, target);
  if (problems.length > 0) throw new Error(`the ${target} package is wrong:\n  ${problems.join('\n  ')}`);
  console.log(`packaged ${out} (${entries.length} files, ${(size / 1024 / 1024).toFixed(2)} MiB) for ${target}`);
  return { path: out, size, target, entries };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const option = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const target = option('--target');
  const out = option('--out');
  const packaging =
    target === 'all'
      ? Object.keys(TARGETS).reduce((previous, each) => previous.then(() => packageVsix({ target: each })), Promise.resolve())
      : packageVsix({ ...(target ? { target } : {}), ...(out ? { out: resolve(out) } : {}) });
  packaging.catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
