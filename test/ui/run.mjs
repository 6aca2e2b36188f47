// UI tests against the packaged extension: packages the .vsix when it is missing or older than the build,
// then runs test/ui/*.ui.test.ts with node's test runner. When dbus and gnome-keyring are installed the
// run happens inside a private Secret Service (test/support/withSecretService.sh), so the extension and
// the daemon it starts use a real keychain; otherwise the file keystore is chosen through the setting.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVsix, vsixPath } from '../../extension/packageVsix.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(repoRoot, 'test-output', 'ui');

function newestBuild() {
  return Math.max(...['extension.js', 'signet.js', 'cli.js', 'webview.js'].map((f) => (existsSync(join(repoRoot, 'dist', f)) ? statSync(join(repoRoot, 'dist', f)).mtimeMs : Infinity)));
}

async function main() {
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
    if (built.status !== 0) return 1;
  }
  let vsix = vsixPath();
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newestBuild()) vsix = (await packageVsix()).path;
  // `node test/ui/run.mjs test/ui/approvals.ui.test.ts` runs just the files named.
  const named = process.argv.slice(2);
  const files = named.length
    ? named
    : readdirSync(join(repoRoot, 'test', 'ui'))
        .filter((f) => f.endsWith('.ui.test.ts'))
        .sort()
        .map((f) => join('test', 'ui', f));
  const env = { ...process.env, SIGNET_VSIX: vsix, SIGNET_UI_OUT: outDir };
  const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
  const haveKeyring = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon'], { stdio: 'ignore' }).status === 0;
  const [command, args] = haveKeyring
    ? ['bash', [join(repoRoot, 'test', 'support', 'withSecretService.sh'), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  if (!haveKeyring) console.warn('test/ui: no dbus-run-session/gnome-keyring-daemon; using the file keystore');
  const result = spawnSync(command, args, { cwd: repoRoot, env, stdio: 'inherit' });
  console.log(`UI screenshots: ${join(outDir, 'screenshots')}`);
  return result.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
