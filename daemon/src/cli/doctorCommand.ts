// `signet doctor`: is protection in force, for every client and server? Prints a table (or `--json`) and exits
// 0 when everything found is protected and Signet itself is healthy, 8 (Unprotected) otherwise. Registered by main.ts.
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { DoctorItem, DoctorReport } from '../doctor/doctorReport';
import { runDoctor } from '../doctor/runDoctor';
import { CliError } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

const mark = (ok: boolean) => (ok ? '✓' : '✗');

function itemLines(item: DoctorItem): string[] {
  const probe = item.probe ? ` · probe ${item.probe.ok ? 'refused ✓' : `${item.probe.outcome === 'went-through' ? 'went through' : item.probe.outcome} ✗`}` : '';
  const lines = [`  ${mark(item.ok)} ${item.kind === 'server' ? 'server' : 'hook  '} ${item.name.padEnd(22)} ${item.summary}${probe}${item.path ? `  (${item.path})` : ''}`];
  for (const problem of item.problems) lines.push(`      - ${problem}`);
  if (!item.ok && item.fix) lines.push(`      fix: ${item.fix}`);
  return lines;
}

export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`Signet doctor — workspace ${report.workspace}, home ${report.home}${report.probed ? '' : ' (no active probes)'}`];
  for (const client of report.clients) {
    lines.push('');
    if (!client.found) {
      lines.push(`${client.label}: not set up here`);
      continue;
    }
    lines.push(`${client.label}`);
    if (client.items.length === 0) lines.push('  (no MCP servers and no hooks to check)');
    for (const item of client.items) lines.push(...itemLines(item));
  }
  lines.push('', 'Signet');
  for (const check of report.environment) {
    lines.push(`  ${mark(check.ok)} ${check.name.padEnd(10)} ${check.summary}`);
    if (!check.ok && check.fix) lines.push(`      fix: ${check.fix}`);
  }
  const bad = report.clients.flatMap((c) => c.items).filter((i) => !i.ok).length + report.environment.filter((e) => !e.ok).length;
  lines.push('', report.ok ? 'everything found is protected' : `${bad} problem${bad === 1 ? '' : 's'}: see the fixes above (exit ${ExitCode.Unprotected})`);
  return lines.join('\n');
}

export function registerDoctorCommand(program: Command, globals: Globals): void {
  program
    .command('doctor')
    .description(`check that protection is in force: every MCP server wrapped, every hook installed and failing closed, the daemon, keychain and audit log; then probe each (exit ${ExitCode.Unprotected} when anything is unprotected)`)
    .option('--workspace <dir>', 'the project folder (default: the current one)')
    .option('--no-probe', 'only read the configs; do not run the launcher lines and hooks')
    .option('--probe-timeout <seconds>', 'how long one probe may take (default 15)', (v) => Number.parseFloat(v))
    .action(async (opts: { workspace?: string; probe: boolean; probeTimeout?: number }) => {
      const { json, home } = globals();
      if (opts.probeTimeout !== undefined && !(opts.probeTimeout > 0)) throw new CliError('--probe-timeout must be a positive number of seconds', ExitCode.Usage);
      const report = await runDoctor({
        home,
        workspace: resolve(opts.workspace ?? process.cwd()),
        userHome: homedir(),
        probe: opts.probe,
        ...(opts.probeTimeout ? { probeTimeoutMs: opts.probeTimeout * 1000 } : {}),
      });
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
      if (!report.ok) process.exitCode = ExitCode.Unprotected;
    });
}
