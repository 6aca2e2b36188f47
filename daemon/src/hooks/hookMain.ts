// The hook's own entry point, dist/hook.js, which the hooks `signet protect` installs call through the launcher
// `$SIGNET_HOME/bin/signet-hook`. A client runs it once per tool call, so it loads only what one call needs: no
// CLI framework, no schema library (the input and the three answers are checked by hand), one connection, one
// question. `signet hook …` of the full CLI answers the same way (runHook.ts) and stays for hand use.
//
//   signet-hook [--home DIR] <claude-code|vscode|cursor> [--agent NAME] [--timeout SECONDS] [--fallback deny|ask] [--include-mcp]
//
// Usage errors exit 64 with a line on stderr; since that is neither 0 nor 2, the installed command's `||` branch
// then prints the client's deny (see hookSettings.ts), so a wrong line fails closed too.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HookFlavor } from '../mcp/agentHook';
import { readAllStdin, runHook, type HookRun } from './runHook';

const USAGE = 'usage: signet-hook [--home DIR] <claude-code|vscode|cursor> [--agent NAME] [--timeout SECONDS] [--fallback deny|ask] [--include-mcp]';

/** The run an argument list asks for, or the sentence that says what is wrong with it. */
export function parseHookArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): HookRun | string {
  let home = env.SIGNET_HOME;
  let flavor: HookFlavor | undefined;
  const run: Omit<HookRun, 'flavor' | 'home'> = { fallback: 'deny' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i];
    if (arg === '--home') home = value();
    else if (arg === '--agent') run.agent = value();
    else if (arg === '--timeout') run.timeoutSeconds = Number(value());
    else if (arg === '--fallback') run.fallback = value() as HookRun['fallback'];
    else if (arg === '--include-mcp') run.includeMcp = true;
    else if ((arg === 'claude-code' || arg === 'vscode' || arg === 'cursor') && !flavor) flavor = arg;
    else return `unexpected argument "${arg}"`;
  }
  if (!flavor) return 'name the client: claude-code, vscode or cursor';
  if (home === undefined || home === '') home = join(homedir(), '.signet');
  if (run.timeoutSeconds !== undefined && !(run.timeoutSeconds > 0)) return '--timeout must be a positive number of seconds';
  if (run.fallback !== 'deny' && run.fallback !== 'ask') return '--fallback is deny or ask';
  return { ...run, flavor, home: resolve(home) };
}

async function main(): Promise<void> {
  const run = parseHookArgs(process.argv.slice(2));
  if (typeof run === 'string') {
    process.stderr.write(`signet-hook: ${run}\n${USAGE}\n`);
    process.exitCode = 64;
    return;
  }
  const text = await runHook(run, readAllStdin());
  if (text) process.stdout.write(text);
}

main().catch((error: unknown) => {
  process.stderr.write(`signet-hook: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 70;
});
