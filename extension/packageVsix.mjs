// `npm run package`: builds a platform-specific .vsix with @vscode/vsce. Everything is bundled by esbuild
// except the native bindings, whose binaries differ per platform: the keychain's (@napi-rs/keyring) and
// libsodium's (sodium-native, which signs). So the package is assembled in a staging folder holding the
// manifest, dist/, the media, and exactly one binary of each: the target's. `.vscodeignore` (at the
// repository root) keeps maps and sources out.
//
//   node extension/packageVsix.mjs [--target linux-x64|darwin-arm64|win32-x64|…] [--out FILE]
//
// For the machine's own platform the binary is copied from node_modules; for another target it is
// installed with npm's --os/--cpu/--libc selection.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** vsce target → the @napi-rs/keyring platform package and npm's platform selection for it. */
export const KEYRING_PACKAGES = {
  'linux-x64': { pkg: '@napi-rs/keyring-linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { pkg: '@napi-rs/keyring-linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-armhf': { pkg: '@napi-rs/keyring-linux-arm-gnueabihf', os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { pkg: '@napi-rs/keyring-linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { pkg: '@napi-rs/keyring-linux-arm64-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { pkg: '@napi-rs/keyring-darwin-x64', os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { pkg: '@napi-rs/keyring-darwin-arm64', os: 'darwin', cpu: 'arm64' },
  'win32-x64': { pkg: '@napi-rs/keyring-win32-x64-msvc', os: 'win32', cpu: 'x64' },
  'win32-arm64': { pkg: '@napi-rs/keyring-win32-arm64-msvc', os: 'win32', cpu: 'arm64' },
};

/**
 * The vsce targets that sodium-native publishes a binary for, in its folder prebuilds/<target>/. The daemon signs
 * and verifies through it when it loads (see daemon/src/ucan/libsodium.ts); other targets (musl, armhf) use
 * node:crypto.
 */
export const SODIUM_TARGETS = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']);

/** The files of dist/ the extension needs at run time (maps stay out). */
const DIST_FILES = ['extension.js', 'signet.js', 'cli.js', 'webview.js', 'webview.css'];

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
}

/** The manifest as shipped: no scripts or dev tooling, and only the native bindings as dependencies. */
function shippedManifest(keyringVersion, sodiumVersion) {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  delete manifest.scripts;
  delete manifest.devDependencies;
  delete manifest.private;
  delete manifest.bin;
  manifest.dependencies = { '@napi-rs/keyring': keyringVersion, ...(sodiumVersion ? { 'sodium-native': sodiumVersion } : {}) };
  return manifest;
}

export async function packageVsix({ target = hostTarget(), out = vsixPath(target) } = {}) {
  const keyring = KEYRING_PACKAGES[target];
  if (!keyring) throw new Error(`unknown target "${target}"; use one of ${Object.keys(KEYRING_PACKAGES).join(', ')}`);
  for (const file of DIST_FILES) {
    if (!existsSync(join(repoRoot, 'dist', file))) throw new Error(`dist/${file} is missing; run npm run build first`);
  }
  const keyringVersion = JSON.parse(readFileSync(require.resolve('@napi-rs/keyring/package.json'), 'utf8')).version;
  const stage = join(repoRoot, '.cache', 'vsix-stage', target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'dist'), { recursive: true });

  const shipsSodium = SODIUM_TARGETS.has(target);
  const sodiumDir = dirname(require.resolve('sodium-native/package.json'));
  const sodiumVersion = shipsSodium ? JSON.parse(readFileSync(join(sodiumDir, 'package.json'), 'utf8')).version : undefined;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shippedManifest(keyringVersion, sodiumVersion), null, 2)}\n`);
  for (const file of DIST_FILES) cpSync(join(repoRoot, 'dist', file), join(stage, 'dist', file));
  cpSync(join(repoRoot, 'extension', 'media'), join(stage, 'extension', 'media'), { recursive: true });
  cpSync(join(repoRoot, 'extension', 'README.md'), join(stage, 'README.md'));
  if (existsSync(join(repoRoot, 'LICENSE'))) cpSync(join(repoRoot, 'LICENSE'), join(stage, 'LICENSE'));
  cpSync(join(repoRoot, '.vscodeignore'), join(stage, '.vscodeignore'));

  const keyringDir = dirname(require.resolve('@napi-rs/keyring/package.json'));
  cpSync(keyringDir, join(stage, 'node_modules', '@napi-rs', 'keyring'), { recursive: true, dereference: true });
  if (target === hostTarget() && existsSync(join(repoRoot, 'node_modules', keyring.pkg))) {
    cpSync(join(repoRoot, 'node_modules', keyring.pkg), join(stage, 'node_modules', keyring.pkg), { recursive: true, dereference: true });
  } else {
    // Another platform's binary: npm picks the optional dependency for the given os/cpu/libc.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const selection = [`--os=${keyring.os}`, `--cpu=${keyring.cpu}`, ...(keyring.libc ? [`--libc=${keyring.libc}`] : [])];
    run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...selection], { cwd: stage });
    if (!existsSync(join(stage, 'node_modules', keyring.pkg))) throw new Error(`npm did not install ${keyring.pkg} for ${target}`);
  }
  // A binary for another platform that npm may have added would only bloat the package.
  for (const [other, info] of Object.entries(KEYRING_PACKAGES)) {
    if (other !== target && info.pkg !== keyring.pkg) rmSync(join(stage, 'node_modules', info.pkg), { recursive: true, force: true });
  }

  if (shipsSodium) {
    // The binding's loader, its manifest and licence, and the one binary for the target: not the libsodium
    // sources or the other platforms' binaries it also publishes.
    const stagedSodium = join(stage, 'node_modules', 'sodium-native');
    for (const file of ['package.json', 'index.js', 'LICENSE']) cpSync(join(sodiumDir, file), join(stagedSodium, file));
    cpSync(join(sodiumDir, 'prebuilds', target), join(stagedSodium, 'prebuilds', target), { recursive: true, filter: (path) => !path.endsWith('.bare') });
    const loaderDir = dirname(createRequire(join(sodiumDir, 'index.js')).resolve('node-gyp-build/package.json'));
    cpSync(loaderDir, join(stage, 'node_modules', 'node-gyp-build'), { recursive: true, dereference: true });
  }

  mkdirSync(dirname(out), { recursive: true });
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  run(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'], {
    cwd: stage,
  });
  const size = statSync(out).size;
  console.log(`packaged ${out} (${(size / 1024 / 1024).toFixed(2)} MiB) for ${target}`);
  return { path: out, size, target };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const option = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const target = option('--target');
  const out = option('--out');
  packageVsix({ ...(target ? { target } : {}), ...(out ? { out: resolve(out) } : {}) }).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
