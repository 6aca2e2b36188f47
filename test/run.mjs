// `npm test`: every test, in one go. Unit and integration tests run with node's own test runner
// inside a private D-Bus session with a real Secret Service (gnome-keyring), so the keychain tests use
// the real thing and the user's own keyring is never touched. The extension and UI suites follow when
// present. On CI a missing Secret Service is a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const testFiles = only.length
  ? only
  : ['test/unit', 'test/integration'].flatMap((dir) =>
      existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)) : [],
    );

const env = { ...process.env };
if (process.env.CI) env.SIGNET_REQUIRE_KEYCHAIN = '1';
const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...testFiles];
const haveSessionBus = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon'], { stdio: 'ignore' }).status === 0;
const command = haveSessionBus ? ['bash', [join(root, 'test/support/withSecretService.sh'), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
if (!haveSessionBus) console.warn('test/run: dbus-run-session or gnome-keyring-daemon is missing; keychain tests will be skipped (install dbus and gnome-keyring)');

let failed = false;
const unit = spawnSync(command[0], command[1], { cwd: root, env, stdio: 'inherit' });
failed ||= unit.status !== 0;

for (const suite of ['test/extension/run.mjs', 'test/ui/run.mjs']) {
  if (only.length || !existsSync(join(root, suite))) continue;
  const run = spawnSync(process.execPath, [join(root, suite)], { cwd: root, env, stdio: 'inherit' });
  failed ||= run.status !== 0;
}
process.exit(failed ? 1 : 0);
