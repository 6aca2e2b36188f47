// The stable launcher `$SIGNET_HOME/bin/signet` that protected MCP configs call. Editors update and move
// extensions (the version is in the folder name), so a config naming `…/signet-0.1.0/dist/cli.js` would break
// on the next update; the launcher's path never changes, and whoever knows where Signet lives now (the
// extension on activation, `npm start`, `signet protect`) rewrites the launcher to point there.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../home/atomicFile';

export interface LauncherTarget {
  /** The Node executable (or an editor's Electron binary run as Node). */
  node: string;
  /** The Signet CLI script, usually `dist/cli.js`. */
  cli: string;
  /** Arguments for Node before the script (a loader in development). */
  nodeArgs?: string[];
  /** Environment the launcher sets, such as ELECTRON_RUN_AS_NODE=1 for an editor's runtime. */
  env?: Record<string, string>;
}

export function launcherPath(home: string): string {
  return join(home, 'bin', process.platform === 'win32' ? 'signet.cmd' : 'signet');
}

/** The hooks' launcher, beside the CLI's: it runs the lean hook entry point (hook.js) instead of the full CLI. */
export function hookLauncherPath(home: string): string {
  return join(home, 'bin', process.platform === 'win32' ? 'signet-hook.cmd' : 'signet-hook');
}

/** The same target with the hook entry point as its script: hook.js beside cli.js, or hookMain.ts in the sources. */
export function hookTarget(target: LauncherTarget): LauncherTarget {
  const cli = target.cli;
  const script = /[\\/]cli[\\/]main\.ts$/.test(cli) ? join(dirname(dirname(cli)), 'hooks', 'hookMain.ts') : join(dirname(cli), 'hook.js');
  return { ...target, cli: script };
}

/**
 * How this very process was started, as a launcher target: its Node, its script, and its loader flags with bare
 * specifiers (`--import tsx`) made absolute, since the launcher runs from any directory.
 */
export function currentLauncherTarget(): LauncherTarget {
  const cli = resolve(process.argv[1] ?? 'dist/cli.js');
  const requireHere = createRequire(join(process.cwd(), 'noop.js'));
  const nodeArgs: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    if ((flag === '--import' || flag === '--require' || flag === '--loader') && i + 1 < argv.length) {
      const spec = argv[++i] ?? '';
      let absolute = spec;
      if (!isAbsolute(spec) && !spec.startsWith('file:') && !spec.startsWith('.')) {
        try {
          absolute = pathToFileURL(requireHere.resolve(spec)).href;
        } catch {
          absolute = spec;
        }
      } else if (spec.startsWith('.')) {
        absolute = pathToFileURL(resolve(spec)).href;
      }
      nodeArgs.push(flag, absolute);
    }
  }
  return { node: process.execPath, cli, ...(nodeArgs.length ? { nodeArgs } : {}), ...(process.env.ELECTRON_RUN_AS_NODE ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}) };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function launcherScript(target: LauncherTarget): string {
  if (process.platform === 'win32') {
    const env = Object.entries(target.env ?? {}).map(([k, v]) => `set "${k}=${v}"\r\n`).join('');
    const args = [target.node, ...(target.nodeArgs ?? []), target.cli].map((a) => `"${a}"`).join(' ');
    return `@echo off\r\nrem Written by Signet; rewritten whenever Signet moves. Protected MCP configs call this file.\r\n${env}${args} %*\r\n`;
  }
  const env = Object.entries(target.env ?? {}).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('');
  const command = [target.node, ...(target.nodeArgs ?? []), target.cli].map(shellQuote).join(' ');
  return `#!/bin/sh\n# Written by Signet; rewritten whenever Signet moves. Protected MCP configs call this file.\n${env}exec ${command} "$@"\n`;
}

/**
 * Writes the launcher (and the hooks' launcher beside it) when missing or pointing elsewhere; returns the CLI
 * launcher's path and whether either changed.
 */
export async function ensureLauncher(home: string, target: LauncherTarget = currentLauncherTarget()): Promise<{ path: string; changed: boolean }> {
  const hook = await writeLauncher(hookLauncherPath(home), home, hookTarget(target));
  const cli = await writeLauncher(launcherPath(home), home, target);
  return { path: cli.path, changed: cli.changed || hook.changed };
}

async function writeLauncher(path: string, home: string, target: LauncherTarget): Promise<{ path: string; changed: boolean }> {
  const script = launcherScript(target);
  let existing: string | undefined;
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    existing = undefined;
  }
  if (existing === script) return { path, changed: false };
  await mkdir(join(home, 'bin'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, script, 0o755);
  await chmod(path, 0o755);
  return { path, changed: true };
}
