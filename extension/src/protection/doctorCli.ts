// The Protection view's data comes from the bundled CLI's `signet doctor --json`, run as a child process with the
// editor's own runtime, rather than from a daemon method: doctor must report a daemon that is down or a keychain
// that cannot be read (a daemon method could not answer either), its probes start servers and hooks (which no
// client of the daemon should be able to make it do), and the view then shows exactly what `signet doctor` prints
// in a terminal. Protect runs the same CLI's `signet protect` with the arguments the report gives for the item.
import { execFile } from 'node:child_process';
import type { DoctorReport } from '../../../daemon/src/doctor/doctorReport';

export interface CliTarget {
  home: string;
  /** The CLI script (`dist/cli.js` of the extension, or `signet.daemonPath`). */
  cliPath: string;
  /** The runtime; the editor's own binary as Node by default. */
  runtime?: string;
}

/** Exit codes that still print a report: 0 (all protected) and 8 (something unprotected), see cli/exitCode.ts. */
const REPORTING_EXIT_CODES = new Set([0, 8]);

function runCli(target: CliTarget, args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const runtime = target.runtime ?? process.execPath;
  const env = { ...process.env, ...(runtime === process.execPath && process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
  return new Promise((resolve, reject) => {
    execFile(runtime, [target.cliPath, '--home', target.home, ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && code === -1) reject(new Error(`signet ${args[0] ?? ''} could not run: ${error.message}`, { cause: error }));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** True for a value shaped like the report, checked before the view trusts it (it comes from another process). */
export function isDoctorReport(value: unknown): value is DoctorReport {
  if (!value || typeof value !== 'object') return false;
  const report = value as Partial<DoctorReport>;
  return (
    typeof report.ok === 'boolean' &&
    Array.isArray(report.environment) &&
    Array.isArray(report.clients) &&
    report.clients.every((c) => c && typeof c.client === 'string' && typeof c.label === 'string' && Array.isArray(c.items) && c.items.every((i) => i && typeof i.id === 'string' && typeof i.ok === 'boolean'))
  );
}

export async function runDoctorCli(target: CliTarget, workspace: string, options: { probe: boolean }): Promise<DoctorReport> {
  const args = ['--json', 'doctor', '--workspace', workspace, ...(options.probe ? [] : ['--no-probe'])];
  const { code, stdout, stderr } = await runCli(target, args, options.probe ? 300_000 : 60_000);
  if (!REPORTING_EXIT_CODES.has(code)) throw new Error(`signet doctor exited with ${code}: ${stderr.trim() || stdout.trim()}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new Error(`signet doctor printed something other than its report: ${stdout.slice(0, 200)}`, { cause: error });
  }
  if (!isDoctorReport(parsed)) throw new Error('signet doctor printed a report this extension does not understand');
  return parsed;
}

/** Runs `signet protect` with an item's arguments; resolves with what it printed. */
export async function runProtectCli(target: CliTarget, args: readonly string[]): Promise<string> {
  if (args[0] !== 'protect') throw new Error(`not a protect command: ${args.join(' ')}`);
  const { code, stdout, stderr } = await runCli(target, args, 60_000);
  if (code !== 0) throw new Error(`signet ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  return stdout;
}
