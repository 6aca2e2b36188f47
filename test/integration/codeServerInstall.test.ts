// The code-server installer's npm, as `npm test` and `npm start` run it: an outer npm leaves its own
// configuration in the environment (npm_config_user_agent among it, naming the outer Node), and
// code-server's postinstall refused to install when it read `node/v20` there. These tests install tiny
// local packages with the installer's exact command and environment instead of code-server itself (which
// takes minutes); only the Node 24 package (≈30 MB) is installed for real, once, into the shared cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureNode24, installerEnv, npmInstallInto, NODE_VERSION } from '../../scripts/codeServer.mjs';

/** What an outer `npm test` on Node 20 leaves behind, whether or not this file runs under one. */
const outerNpmEnv = {
  ...process.env,
  npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
  npm_lifecycle_event: 'test',
  npm_lifecycle_script: 'node test/run.mjs',
  npm_package_name: 'signet',
  npm_node_execpath: process.execPath,
};

/** Packs a one-file package whose postinstall runs `script`, and returns the tarball's path. */
function packProbe(dir: string, name: string, script: string): string {
  const source = join(dir, name);
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name, version: '1.0.0', scripts: { postinstall: script } }));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: source, encoding: 'utf8', env: installerEnv({}, { nodeOnPath: false }) });
  return join(dir, tarball.trim().split('\n').pop() ?? '');
}

describe('the code-server installer', { skip: process.platform !== 'linux' && 'code-server is installed on Linux only' }, () => {
  let scratch: string;
  let paths: Awaited<ReturnType<typeof ensureNode24>>;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'signet-installer-'));
    paths = await ensureNode24({ log: () => undefined });
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs postinstall scripts on the Node 24 it installed, with no user agent left by an outer npm', async () => {
    const tarball = packProbe(scratch, 'user-agent-probe', 'echo "$npm_config_user_agent" > user-agent.txt && node --version > node-version.txt');
    const target = join(scratch, 'ua');
    await npmInstallInto(target, tarball, installerEnv(paths, { from: outerNpmEnv }), 'the probe');
    const installed = join(target, 'node_modules', 'user-agent-probe');
    const userAgent = readFileSync(join(installed, 'user-agent.txt'), 'utf8');
    assert.match(userAgent, /\bnode\/v24\./, `the postinstall saw the user agent ${userAgent}`);
    assert.equal(readFileSync(join(installed, 'node-version.txt'), 'utf8').trim(), `v${NODE_VERSION}`);
  });

  it('hands npm none of the outer npm’s variables', () => {
    const env = installerEnv(paths, { from: outerNpmEnv });
    assert.deepEqual(Object.keys(env).filter((key) => /^npm_/i.test(key) && key !== 'npm_config_nodedir'), []);
    assert.equal(env.npm_config_nodedir, paths.nodeHeaders);
    assert.ok(env.PATH?.startsWith(join(paths.nodeHeaders, 'bin')), 'Node 24 comes first on PATH');
  });

  it('names the failed step, keeps npm’s last lines, and leaves nothing half-installed', async () => {
    const tarball = packProbe(scratch, 'failing-probe', 'echo "the probe refuses: marker-7f3a" >&2; exit 3');
    const target = join(scratch, 'failing');
    await assert.rejects(npmInstallInto(target, tarball, installerEnv(paths, { from: outerNpmEnv }), 'the failing probe'), (error: Error) => {
      assert.match(error.message, /^installing the failing probe failed: npm install .* exited with \d+/);
      assert.match(error.message, /marker-7f3a/);
      return true;
    });
    assert.equal(existsSync(target), false);
    assert.deepEqual(readdirSync(scratch).filter((entry) => entry.startsWith('failing.partial-')), []);
  });
});
