// `signet report`: what an agent did, was refused and was allowed, by whom, for a pull request description.
// It reads the log files directly, like `audit export`, so it works with the daemon stopped.
import type { Command } from 'commander';
import { buildAgentReport, formatReportHtml, formatReportMarkdown } from '../audit/agentReport';
import { readRecords } from '../audit/export';
import { homePaths } from '../home/signetHome';
import { CliError, parseDurationOption } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

/** An ISO 8601 time, or a duration back from now (`8h`, `2d`), as ms since the epoch. */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new CliError(`"${text}" is not a date and time`, ExitCode.Usage);
    return at;
  }
  return now - parseDurationOption(text) * 1000;
}

export function registerReportCommand(program: Command, globals: Globals): void {
  program
    .command('report')
    .description('what an agent did, what it was refused, every approval and who gave it, and how to verify it offline')
    .option('--agent <name>', 'one agent (name or DID); default: all')
    .option('--since <time>', 'an ISO time, or a duration back from now such as 8h or 2d')
    .option('--format <format>', 'md or html', 'md')
    .option('--dir <dir>', 'read a copy of the log in this folder instead of the home’s')
    .action(async (opts: { agent?: string; since?: string; format: string; dir?: string }) => {
      const { json, home } = globals();
      if (opts.format !== 'md' && opts.format !== 'html') throw new CliError(`--format must be md or html, not ${opts.format}`, ExitCode.Usage);
      const dir = opts.dir ?? homePaths(home).auditDir;
      const records = await readRecords(dir).catch((error: unknown) => {
        throw new CliError(`cannot read the audit log in ${dir}: ${(error as Error).message}`, ExitCode.Error, { cause: error });
      });
      const report = buildAgentReport(records, { ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.since ? { sinceMs: parseSince(opts.since) } : {}) });
      if (opts.agent && report.agents.length === 0) throw new CliError(`the log holds no records of ${opts.agent}${opts.since ? ` since ${opts.since}` : ''}`, ExitCode.Error);
      if (json) process.stdout.write(`${JSON.stringify({ ...report, files: Object.fromEntries(report.files), tools: Object.fromEntries(report.tools) }, null, 2)}\n`);
      else process.stdout.write(opts.format === 'html' ? formatReportHtml(report) : formatReportMarkdown(report));
    });
}
