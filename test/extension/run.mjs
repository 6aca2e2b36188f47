// Runs the extension-host tests with @vscode/test-electron's runTests(). Where desktop VS Code cannot be
// downloaded (this machine, CI) the "executable" is test/extension/codeServerLauncher.mjs, which runs the
// same tests in code-server's real extension host through Chromium. Set SIGNET_VSCODE_EXECUTABLE to a
// desktop VS Code to use that instead.
//
// Each run gets a fresh Signet home (file keystore, chosen through the extension's setting) and stops the
// daemon the extension started when it is over.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { build } from 'esbuild';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(repoRoot, 'test-output', 'extension-host');
const launcher = join(repoRoot, 'test', 'extension', 'codeServerLauncher.mjs');

function stopDaemonOf(home) {
  try {
    const { pid } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    return pid;
  } catch {
    return undefined;
  }
}

async function main() {
  if (!existsSync(join(repoRoot, 'dist', 'extension.js')) || !existsSync(join(repoRoot, 'dist', 'cli.js'))) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  // The extension's editor-free parts first (plain Node): models, prompts' wording, the webview's checks,
  // and starting the real daemon.
  const unitDir = join(repoRoot, 'test', 'extension', 'unit');
  const unitFiles = readdirSync(unitDir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(unitDir, f));
  const unit = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...unitFiles], { cwd: repoRoot, stdio: 'inherit' });
  const unitFailed = unit.status !== 0;

  rmSync(outDir, { recursive: true, force: true });
  const runDir = join(outDir, 'code-server');
  const home = join(outDir, 'signet-home');
  const workspace = join(outDir, 'workspace');
  for (const dir of [runDir, home, workspace, join(workspace, 'src')]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(workspace, 'src', 'auth.ts'), 'export const secret = 1;\n');
  // The file keystore is picked through the extension's own setting, so that path is tested too.
  mkdirSync(join(runDir, 'user-data', 'User'), { recursive: true });
  writeFileSync(
    join(runDir, 'user-data', 'User', 'settings.json'),
    `${JSON.stringify({ 'signet.keystore': 'file', 'workbench.startupEditor': 'none', 'extensions.autoUpdate': false, 'telemetry.telemetryLevel': 'off' }, null, 2)}\n`,
  );

  const suite = join(outDir, 'suite', 'index.js');
  await build({
    entryPoints: [join(repoRoot, 'test', 'extension', 'suite', 'index.ts')],
    outfile: suite,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', '@napi-rs/keyring'],
    logLevel: 'warning',
  });

  const executable = process.env.SIGNET_VSCODE_EXECUTABLE ?? launcher;
  if (executable === launcher) chmodSync(launcher, 0o755);
  const results = join(outDir, 'results.json');
  let code = 1;
  try {
    code = await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suite,
      launchArgs: [workspace, `--user-data-dir=${join(runDir, 'user-data')}`, `--extensions-dir=${join(runDir, 'extensions')}`],
      extensionTestsEnv: { SIGNET_HOME: home, SIGNET_TEST_RESULTS: results },
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    code = 1;
  } finally {
    const pid = stopDaemonOf(home);
    if (pid) console.log(`stopped the daemon the extension started (pid ${pid})`);
  }
  if (existsSync(results)) {
    const { passed, failed } = JSON.parse(readFileSync(results, 'utf8'));
    console.log(`extension-host: ${passed} passed, ${failed} failed`);
    if (failed > 0 || passed === 0) code = 1;
  } else {
    console.error('the extension-host tests wrote no results: they did not run (see test-output/extension-host/code-server/)');
    code = 1;
  }
  if (unitFailed) console.error('the extension unit tests failed (see above)');
  return unitFailed ? 1 : code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
