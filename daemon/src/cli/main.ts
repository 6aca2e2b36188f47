// `signet`: the command line for people and scripts. Every command takes `--json` for scripts and
// `--home DIR` (or SIGNET_HOME); exit codes are in ExitCode and the README.
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DaemonConnectionError, DaemonRequestError, RequestTooLargeError, UnserializableRequestError } from '../client/daemonClient';
import { DaemonAlreadyRunningError, ensureHome, loadConfig, resolveHome, saveConfig } from '../home/signetHome';
import { didForName } from '../keys/agentNames';
import { isKeystoreFailure, keystoreMessageWithFix } from '../keys/identities';
import { outsideEditorWarning } from '../approvals/deciderText';
import { createStderrLogger } from '../logger';
import type { ApprovalDecideParams, AuditRecord, DelegationInfo } from '../server/protocol';
import { SignetErrorCode } from '../server/protocol';
import { validateInvocation } from '../ucan/index';
import { SIGNET_VERSION } from '../version';
import { registerAuditCommands } from './auditCommands';
import { CliError, connectToDaemon, parseDurationOption, parseJsonOption } from './connect';
import { ExitCode } from './exitCode';
import { registerGuardCommand } from './guardCommand';
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

function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

async function withUi<T>(work: (client: Awaited<ReturnType<typeof connectToDaemon>>) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(globals().home, 'ui');
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

function expiry(exp: number | null): string {
  return exp === null ? 'never expires' : `expires ${new Date(exp * 1000).toISOString()}`;
}

function delegationLine(d: DelegationInfo): string {
  return `${d.cid}  ${d.issuer.name} → ${d.audience.name}  ${d.scope}  (${expiry(d.exp)}${d.revoked ? ', revoked' : ''})`;
}

function recordLine(r: AuditRecord): string {
  return `#${r.seq} ${r.time} ${r.kind} ${r.agent ?? '-'} ${JSON.stringify(r.data)}`;
}

program
  .command('daemon')
  .description('run the daemon in the foreground')
  .addOption(new Option('--keystore <kind>', 'where private keys live; `file` is saved as an explicit opt-in').choices(['keychain', 'file']))
  .option('--approval-timeout <seconds>', 'deny pending approvals after this many seconds', (v) => parseDurationOption(v))
  .option('--opa-url <url>', 'also ask this OPA server on every authorize (POST /v1/data/signet/decision); overrides config.json')
  .action(async (opts: { keystore?: 'keychain' | 'file'; approvalTimeout?: number; opaUrl?: string }) => {
    const { home } = globals();
    ensureHome(home);
    const config = await loadConfig(home);
    if (opts.keystore && opts.keystore !== config.keystore) await saveConfig(home, { ...config, keystore: opts.keystore });
    const log = createStderrLogger();
    // Loaded here, not at the top: the hook and proxy commands run often and need none of the daemon.
    const { startDaemon } = await import('../daemon');
    const daemon = await startDaemon({
      home,
      ...(opts.keystore ? { keystore: opts.keystore } : {}),
      ...(opts.approvalTimeout ? { approvalTimeoutSeconds: opts.approvalTimeout } : {}),
      ...(opts.opaUrl ? { policy: { opa: { ...config.opa, url: opts.opaUrl } } } : {}),
      log,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => void daemon.stop(`received ${signal}`).then(resolve, resolve);
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });

program
  .command('status')
  .description('show whether the daemon runs, and its identity')
  .action(async () => {
    const { json, home } = globals();
    const client = await connectToDaemon(home, 'agent');
    try {
      const status = await client.request('daemon/status', {});
      // Said plainly: with the file keystore, the UI token is a file any process of this user can read.
      const approvals =
        status.keystore === 'file'
          ? { protectedFromLocalProcesses: false, uiToken: `a plain file under ${status.home}/keys`, warning: 'approvals are NOT protected from local processes on this machine: any process running as you, an agent\'s shell included, can read the UI token and approve its own requests. Use the OS keychain where there is one (signet daemon --keystore keychain).' }
          : { protectedFromLocalProcesses: false, uiToken: 'the OS keychain only', warning: 'the UI token is only in the OS keychain; a process running as you that can use the keychain can still read it (on Linux the Secret Service does not tell applications apart): see the README\'s security model.' };
      print(json, { ...status, approvals }, () =>
        [
          `signetd ${status.version} (pid ${status.pid}) — home ${status.home}`,
          `user       ${status.user.did}`,
          `keystore   ${status.keystore}`,
          `approvals  ${approvals.warning}`,
          `ed25519    ${status.ed25519}`,
          `agents     ${status.agents}`,
          `pending    ${status.pendingApprovals} approval(s), timeout ${status.approvalTimeoutSeconds} s`,
          `audit log  ${status.auditRecords} record(s)`,
        ].join('\n'),
      );
    } finally {
      client.close();
    }
  });

const agent = program.command('agent').description('create, list and remove agent identities');
agent
  .command('create <name>')
  .action((name: string) =>
    withUi(async (client) => {
      const created = await client.request('agent/create', { name });
      print(globals().json, created, () => `created agent ${created.name}: ${created.did}`);
    }),
  );
agent.command('list').action(() =>
  withUi(async (client) => {
    const list = await client.request('agent/list', {});
    print(globals().json, list, () => [`user   ${list.user.did}`, ...list.agents.map((a) => `${a.name.padEnd(6)} ${a.did}${a.outsideEditor ? `  ⚠ ${outsideEditorWarning(a.outsideEditor)}` : ''}`)].join('\n'));
  }),
);
agent
  .command('remove <name>')
  .action((name: string) =>
    withUi(async (client) => {
      const result = await client.request('agent/remove', { name });
      print(globals().json, result, () => `removed agent ${name}; revoked ${result.revoked.length} delegation(s)`);
    }),
  );

program
  .command('delegate')
  .description('issue a delegation (prints its CID)')
  .requiredOption('--from <who>', '`user` or an agent name')
  .requiredOption('--to <agent>', 'the agent that receives the right')
  .requiredOption('--cmd <cmd>', 'the command, e.g. /mcp/tools/call')
  .option('--pol <json>', 'a UCAN policy as JSON, e.g. \'[["==", ".tool", "read_file"]]\'')
  .option('--ttl <duration>', 'expiry, e.g. 1h (default: never for the user, the parent\'s expiry for an agent)')
  .action((opts: { from: string; to: string; cmd: string; pol?: string; ttl?: string }) =>
    withUi(async (client) => {
      const issued = await client.request('delegation/issue', {
        from: opts.from,
        to: opts.to,
        cmd: opts.cmd,
        ...(opts.pol ? { pol: parseJsonOption(opts.pol, '--pol') as unknown[] } : {}),
        ...(opts.ttl ? { ttl: parseDurationOption(opts.ttl) } : {}),
      });
      print(globals().json, issued, () => issued.cid);
    }),
  );

program
  .command('delegations')
  .description('list live delegations')
  .option('--agent <name>')
  .option('--all', 'include revoked and expired ones')
  .action((opts: { agent?: string; all?: boolean }) =>
    withUi(async (client) => {
      const list = await client.request('delegation/list', { ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.all ? { includeInactive: true } : {}) });
      print(globals().json, list, () => (list.delegations.length ? list.delegations.map(delegationLine).join('\n') : 'no delegations'));
    }),
  );

program
  .command('revoke <cid>')
  .description('revoke a delegation and everything issued below it')
  .action((cid: string) =>
    withUi(async (client) => {
      const result = await client.request('delegation/revoke', { cid });
      print(globals().json, result, () => `revoked ${result.revoked.length} delegation(s):\n${result.revoked.join('\n')}`);
    }),
  );

program
  .command('approvals')
  .description('list pending approval requests')
  .action(() =>
    withUi(async (client) => {
      const { pending } = await client.request('approval/list', {});
      print(globals().json, { pending }, () =>
        pending.length
          ? pending.map((p) => `${p.id}  ${p.agent.name} wants ${p.cmd}: ${p.summary}  (until ${p.expiresAt})${p.earlierOutsideEditor ? `\n    ⚠ ${outsideEditorWarning(p.earlierOutsideEditor)}` : ''}`).join('\n')
          : 'no pending approvals',
      );
    }),
  );

program
  .command('approve <id>')
  .description('approve a pending request (default: once)')
  .option('--once', 'these exact arguments, one time')
  .option('--session', "for as long as the agent's connection lasts")
  .option('--ttl <duration>', 'for a while, e.g. 1h')
  .option('--always', 'with no expiry')
  .option('--path <prefix>', 'narrow to paths under this prefix')
  .option('--tool', 'narrow to this MCP tool')
  .action((id: string, opts: { once?: boolean; session?: boolean; ttl?: string; always?: boolean; path?: string; tool?: boolean }) =>
    withUi(async (client) => {
      const chosen = [opts.once && 'once', opts.session && 'session', opts.ttl && 'ttl', opts.always && 'always'].filter(Boolean);
      if (chosen.length > 1) throw new CliError('choose one of --once, --session, --ttl, --always', ExitCode.Usage);
      const decision = (chosen[0] || 'once') as ApprovalDecideParams['decision'];
      const narrow = { ...(opts.path ? { path: opts.path } : {}), ...(opts.tool ? { tool: true } : {}) };
      const result = await client.request('approval/decide', {
        id,
        decision,
        ...(opts.ttl ? { ttlSeconds: parseDurationOption(opts.ttl) } : {}),
        ...(Object.keys(narrow).length ? { narrow } : {}),
        decidedBy: 'cli',
      });
      print(globals().json, result, () => `approved ${id} (${decision})${result.delegation ? `: delegation ${result.delegation.cid}` : ''}`);
    }),
  );

program
  .command('deny <id>')
  .description('deny a pending request')
  .action((id: string) =>
    withUi(async (client) => {
      const result = await client.request('approval/decide', { id, decision: 'deny', decidedBy: 'cli' });
      print(globals().json, result, () => `denied ${id}`);
    }),
  );

program
  .command('authorize')
  .description('ask for a right as an agent; waits for an approval when needed (exit 0 allowed, 3 denied)')
  .requiredOption('--agent <name>')
  .requiredOption('--cmd <cmd>')
  .requiredOption('--args <json>')
  .option('--workspace <dir>', 'resolve relative paths against this folder (default: the current one)')
  .action(async (opts: { agent: string; cmd: string; args: string; workspace?: string }) => {
    const { json, home } = globals();
    const args = parseJsonOption(opts.args, '--args');
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw new CliError('--args must be a JSON object', ExitCode.Usage);
    const client = await connectToDaemon(home, 'agent');
    try {
      const result = await client.request('authz/authorize', { agent: opts.agent, cmd: opts.cmd, args: args as Record<string, unknown>, workspace: resolve(opts.workspace ?? process.cwd()) });
      print(json, result, () => (result.decision === 'allow' ? `allowed: invocation ${result.invocationCid}\n${result.invocation}` : `denied: ${result.reason}`));
      if (result.decision === 'deny') process.exitCode = ExitCode.Denied;
    } finally {
      client.close();
    }
  });

const audit = program.command('audit').description('read the audit log');
audit
  .command('tail')
  .option('--agent <name>', 'only records about this agent (name or DID)')
  .option('--limit <n>', 'how many past records', (v) => Number.parseInt(v, 10), 20)
  .option('--follow', 'keep printing new records')
  .action((opts: { agent?: string; limit: number; follow?: boolean }) =>
    withUi(async (client) => {
      const { json } = globals();
      const { records } = await client.request('audit/query', { ...(opts.agent ? { agent: opts.agent } : {}), limit: opts.limit });
      const directory = opts.agent ? await client.request('agent/list', {}) : undefined;
      const agentDid = opts.agent && directory ? didForName(opts.agent, directory.user, (name) => directory.agents.find((a) => a.name === name)) : undefined;
      const show = (r: AuditRecord) => process.stdout.write(`${json ? JSON.stringify(r) : recordLine(r)}\n`);
      records.forEach(show);
      if (!opts.follow) return;
      client.onNotification('audit/didAppend', (r) => {
        if (!opts.agent || r.agent === agentDid) show(r);
      });
      await new Promise<void>((resolve) => {
        client.onClose(() => resolve());
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }),
  );

registerAuditCommands(audit, globals);

program
  .command('verify')
  .description('verify an invocation and its proof chain offline (no daemon needed)')
  .requiredOption('--invocation <b64>', 'the invocation envelope, base64')
  .option('--proofs <b64list>', 'the delegations, base64, comma-separated (none for a self-issued invocation)', '')
  .option('--now <seconds>', 'validate at this unix time instead of now', (v) => Number.parseInt(v, 10))
  .action((opts: { invocation: string; proofs: string; now?: number }) => {
    const { json } = globals();
    const decode = (b64: string) => new Uint8Array(Buffer.from(b64.trim(), 'base64'));
    const result = validateInvocation(
      decode(opts.invocation),
      opts.proofs.split(',').filter(Boolean).map(decode),
      { now: opts.now ?? Math.floor(Date.now() / 1000) },
    );
    if (result.ok) {
      print(json, { ok: true, iss: result.invocation.iss, sub: result.invocation.sub, cmd: result.invocation.cmd, chain: result.chain.map((c) => c.cid) }, () =>
        `valid: ${result.invocation.iss} may ${result.invocation.cmd} for ${result.invocation.sub}\nchain: ${result.chain.map((c) => c.cid).join(' → ')}`,
      );
    } else {
      print(json, result, () => `invalid: ${result.error.name}: ${result.error.message}`);
      process.exitCode = ExitCode.VerificationFailed;
    }
  });

registerMcpCommands(program, globals);
registerReportCommand(program, globals);
registerGuardCommand(program, globals);
registerPolicyCommands(program, globals);

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
