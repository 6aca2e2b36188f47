// The hook's own entry point, dist/hook.js, which the hooks `signet protect` installs call through the launcher
// `$SIGNET_HOME/bin/signet-hook`. A client runs it once per tool call, so it loads only what one call needs: no
// CLI framework, no schema library (the input and the three answers are checked by hand), one connection, one
// question. `signet hook …` of the full CLI answers the same way (runHook.ts) and stays for hand use.
//
//   signet-hook [--home DIR] <claude-code|vscode|cursor> [--agent NAME] [--timeout SECONDS] [--fallback deny|ask] [--include-mcp]
//
// Usage errors exit 64 with a line on stderr; since that is neither 0 nor 2, the installed command's `||` branch
// then prints the client's deny (see hookSettings.ts), so a wrong line fails closed too.
import { parseHookArgs, readAllStdin, runHook } from './runHook';

const USAGE = 'usage: signet-hook [--home DIR] <claude-code|vscode|cursor> [--agent NAME] [--timeout SECONDS] [--fallback deny|ask] [--include-mcp]';

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
