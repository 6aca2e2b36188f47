// The fail-closed hook command on Windows, where the `sh` line of hookSettings.ts has no shell to run in. It is a
// PowerShell script, run as `powershell.exe … -EncodedCommand <base64>` so that no quoting of cmd.exe, PowerShell or
// JSON can change what it does. Decoded, it reads:
//
//   $ErrorActionPreference = 'Stop'
//   $OutputEncoding = [Console]::InputEncoding = [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
//   try {
//     $hookInput = [Console]::In.ReadToEnd()
//     $hookInput | & "$env:USERPROFILE\.signet\bin\signet-hook.cmd" --home "$env:USERPROFILE\.signet" claude-code --timeout 140
//     if ($LASTEXITCODE -ne 0) { throw "the hook exited with $LASTEXITCODE" }
//   } catch {
//     [Console]::Out.WriteLine('<the client''s own deny>')
//     [Console]::Error.WriteLine('Signet: the hook could not run; the call is blocked')
//     exit 2
//   }
//
// A missing launcher is a terminating error under 'Stop', a crash a non-zero exit: both end in the catch, which
// prints the deny and exits 2 as the `||` branch does elsewhere. The launcher path comes from the client's own
// USERPROFILE when it lies there, so a committed file works for teammates, and is never looked up on PATH.
// This file's text is unit-tested; it has not been run on Windows here.
import { win32 } from 'node:path';
import type { HookCommandOptions } from './hookSettings';

const ENCODED = /-EncodedCommand\s+([A-Za-z0-9+/=]+)/;

/** How one event's command runs: the hook's own wait, and what to print when it fails (deciding events only). */
export interface WindowsHookRun {
  timeoutSeconds: number;
  denyOutput: string | undefined;
}

function psSingleQuoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A path as a PowerShell expression: under USERPROFILE when it lies in the user's home, else the literal path. */
export function windowsHomeRelativePath(path: string, userHome: string): string {
  const rest = win32.relative(userHome, path);
  if (rest && !rest.startsWith('..') && !win32.isAbsolute(rest) && !/["$`']/.test(rest)) return `"$env:USERPROFILE\\${rest}"`;
  return psSingleQuoted(win32.normalize(path));
}

/** The PowerShell script behind the command (see the top of this file). */
export function windowsHookScript(options: HookCommandOptions, { timeoutSeconds, denyOutput }: WindowsHookRun): string {
  const launcher = windowsHomeRelativePath(options.launcher, options.userHome);
  const home = windowsHomeRelativePath(options.home, options.userHome);
  const agent = options.agent ? ` --agent ${psSingleQuoted(options.agent)}` : '';
  const failure = denyOutput
    ? [`  [Console]::Out.WriteLine(${psSingleQuoted(denyOutput)})`, "  [Console]::Error.WriteLine('Signet: the hook could not run; the call is blocked')", '  exit 2']
    : ["  [Console]::Error.WriteLine('Signet: the hook could not record this event')", '  exit 0'];
  return [
    "$ErrorActionPreference = 'Stop'",
    '$OutputEncoding = [Console]::InputEncoding = [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false',
    'try {',
    '  $hookInput = [Console]::In.ReadToEnd()',
    `  $hookInput | & ${launcher} --home ${home} ${options.client}${agent} --timeout ${timeoutSeconds}`,
    '  if ($LASTEXITCODE -ne 0) { throw "the hook exited with $LASTEXITCODE" }',
    '} catch {',
    ...failure,
    '}',
  ].join('\n');
}

/** The command a Windows client runs for one event. */
export function windowsHookCommandLine(options: HookCommandOptions, run: WindowsHookRun): string {
  const encoded = Buffer.from(windowsHookScript(options, run), 'utf16le').toString('base64');
  return `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encoded}`;
}

/** The script of a command made by windowsHookCommandLine, or undefined for any other command. */
export function decodedWindowsHookCommand(command: string): string | undefined {
  const encoded = ENCODED.exec(command)?.[1];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf16le') : undefined;
}
