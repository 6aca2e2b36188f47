// `signet`: the command line for people and scripts. Every command takes `--json` for scripts and
// `--home DIR` (or SIGNET_HOME); exit codes are in ExitCode and the README.
import { Command, CommanderError } from 'commander';
import { DaemonConnectionError, DaemonRequestError, RequestTooLargeError, UnserializableRequestError } from '../client/daemonClient';
import { DaemonAlreadyRunningError, resolveHome } from '../home/signetHome';
import { isKeystoreFailure, keystoreMessageWithFix } from '../keys/identities';
import { SignetErrorCode } from '../server/protocol';
import { SIGNET_VERSION } from '../version';
import { registerAgentCommands } from './agentCommands';
import { registerApprovalCommands } from './approvalCommands';
import { registerAuditCommands } from './auditCommands';
import { registerAuditTailCommand } from './auditTailCommand';
import { CliError } from './connect';
import { registerDaemonCommands } from './daemonCommands';
import { registerDelegationCommands } from './delegationCommands';
import { ExitCode } from './exitCode';
import { registerDoctorCommand } from './doctorCommand';
import { registerGitCommands } from './gitCommands';
import { registerGuardCommand } from './guardCommand';
import { registerAuthorizeCommand, registerVerifyCommand } from './invocationCommands';
import { registerMcpCommands } from './mcpCommands';
import { registerReportCommand } from './reportCommands';
import { registerPolicyCommands } from './policyCommands';

interface GlobalOptions {
  json?: boolean;
  home?: string;
}

const program = new Command('signet')
  .description('Signet: identities, signed delegations, approvals and an audit log for AI agents')
  .version(SIGNET_VERSION)
  .option('--json', 'print machine-readable JSON')
  .option('--home <dir>', 'the Signet home (default: $SIGNET_HOME or ~/.signet)')
  .showHelpAfterError()
  .exitOverride();

function globals(): { json: boolean; home: string } {
  const o = program.opts<GlobalOptions>();
  return { json: Boolean(o.json), home: resolveHome(o.home) };
}

registerDaemonCommands(program, globals);
registerAgentCommands(program, globals);
registerDelegationCommands(program, globals);
registerApprovalCommands(program, globals);
registerAuthorizeCommand(program, globals);
const audit = program.command('audit').description('read the audit log');
registerAuditTailCommand(audit, globals);
registerAuditCommands(audit, globals);
registerVerifyCommand(program, globals);
registerMcpCommands(program, globals);
registerReportCommand(program, globals);
registerGuardCommand(program, globals);
registerPolicyCommands(program, globals);
registerDoctorCommand(program, globals);
registerGitCommands(program, globals);

async function main(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function reportError(error: unknown): number {
  const json = program.opts<GlobalOptions>().json;
  const fail = (message: string, code: number, extra: Record<string, unknown> = {}) => {
    if (json) process.stderr.write(`${JSON.stringify({ error: message, exitCode: code, ...extra })}\n`);
    else process.stderr.write(`signet: ${message}\n`);
    return code;
  };
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : ExitCode.Usage;
  }
  if (error instanceof CliError) return fail(error.message, error.exitCode);
  if (error instanceof DaemonRequestError) {
    const code = error.code === SignetErrorCode.KeystoreUnavailable ? ExitCode.KeystoreUnavailable : ExitCode.Error;
    return fail(error.data?.fix ? `${error.message}\n${error.data.fix}` : error.message, code, { code: error.code });
  }
  // Too large or not JSON is the caller's input, not a daemon that is missing.
  if (error instanceof RequestTooLargeError || error instanceof UnserializableRequestError) return fail(error.message, ExitCode.Usage);
  if (error instanceof DaemonConnectionError) return fail(error.message, ExitCode.DaemonNotRunning);
  if (error instanceof DaemonAlreadyRunningError) return fail(error.message, ExitCode.Error);
  const refused = error as { message?: string; fix?: string; code?: string; refusedStart?: boolean; data?: unknown };
  if (refused?.refusedStart === true && typeof refused.fix === 'string') {
    const message = refused.message ?? '';
    return fail(message.includes(refused.fix) ? message : `${message}\nTo recover: ${refused.fix}`, ExitCode.StateRefused, { code: refused.code, data: refused.data });
  }
  if (isKeystoreFailure(error)) return fail(keystoreMessageWithFix(error, '\n'), ExitCode.KeystoreUnavailable);
  return fail((error as Error)?.message ?? String(error), ExitCode.Error);
}

void main(process.argv);
