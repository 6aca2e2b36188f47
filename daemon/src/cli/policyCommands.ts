// `signet policy defaults | check | test | explain | confirm`: the owner policy for people. Check and test read
// the policy files directly and need no daemon; explain reads a decision back from the audit log.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { canonicalizeArgs } from '../authz/canonicalPaths';
import { homePaths } from '../home/signetHome';
import { cedarLoadMilliseconds } from '../policy/cedarEngine';
import { DEFAULT_RULES } from '../policy/defaultRules';
import { confirmWorkspacePolicy, describeRule, OwnerPolicy, type FileState, type PolicyRule } from '../policy/ownerPolicy';
import { CliError, connectToDaemon, parseJsonOption } from './connect';
import { ExitCode } from './exitCode';
import { print, type Globals } from './output';

function describeState(s: FileState): string {
  const head = `${s.state === 'ok' ? 'ok    ' : 'BROKEN'} ${s.file} (${s.scope}, ${s.rules} rule${s.rules === 1 ? '' : 's'} in force${s.state === 'broken' ? (s.everValid ? ': its last valid version' : ': none, every call is denied') : ''})`;
  const lines = [head, ...s.problems.map((p) => `       line ${p.line}: ${p.message}`)];
  if (s.pendingRemoval.length) lines.push(`       still enforced until you run \`signet policy confirm\`: ${s.pendingRemoval.join(', ')}`);
  return lines.join('\n');
}

/** The text of a rule from its file, from its line to the end of the policy, or undefined if the file changed. */
function ruleText(rule: Pick<PolicyRule, 'file' | 'line'>): string | undefined {
  if (rule.line < 1 || !existsSync(rule.file)) return undefined;
  const lines = readFileSync(rule.file, 'utf8').split('\n').slice(rule.line - 1);
  const end = lines.findIndex((l) => /;\s*(\/\/.*)?$/.test(l));
  return lines.slice(0, end === -1 ? 12 : end + 1).join('\n');
}

function agentDid(home: string, name: string): string {
  try {
    const file = JSON.parse(readFileSync(homePaths(home).identities, 'utf8')) as { agents?: { name: string; did: string }[] };
    return file.agents?.find((a) => a.name === name)?.did ?? `did:key:unknown-agent-${name}`;
  } catch {
    return `did:key:unknown-agent-${name}`;
  }
}

export function registerPolicyCommands(program: Command, globals: Globals): void {
  const policy = program.command('policy').description('owner policy: rules no delegation, approval or agent can get around');
  registerPolicyDefaultsCommand(policy);
  registerPolicyCheckCommand(policy, globals);
  registerPolicyTestCommand(policy, globals);
  registerPolicyExplainCommand(policy, globals);
  registerPolicyConfirmCommand(policy, globals);
}

function registerPolicyDefaultsCommand(policy: Command): void {
  policy
    .command('defaults')
    .description('print the default rules Signet ships (written to ~/.signet/policy/defaults.cedar on first start)')
    .action(() => {
      process.stdout.write(DEFAULT_RULES);
    });
}

function registerPolicyCheckCommand(policy: Command, globals: Globals): void {
  policy
    .command('check')
    .description('parse and validate every policy file that applies in a workspace (exit 1 if any is broken)')
    .option('--workspace <dir>', 'the workspace whose .signet/policy.cedar is checked too', process.cwd())
    .action((opts: { workspace: string }) => {
      const { json, home } = globals();
      const owner = new OwnerPolicy({ home, installDefaults: false });
      const states = owner.refresh(resolve(opts.workspace));
      print(json, { files: states, cedarLoadMilliseconds }, () => (states.length ? states.map(describeState).join('\n') : `no policy files in ${owner.userDir} or ${resolve(opts.workspace)}/.signet/`));
      if (states.some((s) => s.state === 'broken')) process.exitCode = ExitCode.Error;
    });
}

function registerPolicyTestCommand(policy: Command, globals: Globals): void {
  policy
    .command('test')
    .description('which rule decides a call, and why (no daemon needed)')
    .requiredOption('--agent <name>', 'the agent making the call')
    .requiredOption('--cmd <command>', 'the UCAN command, e.g. /mcp/tools/call or /claude-code/tools/bash')
    .requiredOption('--args <json>', 'the call arguments as JSON, e.g. \'{"tool":"Bash","input":{"command":"cat .env"}}\'')
    .option('--workspace <dir>', 'the workspace paths resolve against', process.cwd())
    .action(async (opts: { agent: string; cmd: string; args: string; workspace: string }) => {
      const { json, home } = globals();
      const args = parseJsonOption(opts.args, '--args');
      if (!args || typeof args !== 'object' || Array.isArray(args)) throw new CliError('--args must be a JSON object', ExitCode.Usage);
      const workspace = resolve(opts.workspace);
      const canonical = await canonicalizeArgs(args as Record<string, unknown>, workspace);
      const owner = new OwnerPolicy({ home, installDefaults: false });
      const verdict = await owner.evaluate({ agent: { did: agentDid(home, opts.agent), name: opts.agent }, chain: [], actingFor: [], cmd: opts.cmd, args: canonical.args, paths: canonical.paths, workspace });
      print(json, verdict, () => {
        const lines = [`${verdict.outcome}: ${verdict.reason}`];
        if (verdict.shell) lines.push(`simple commands: ${verdict.shell.commands.map((c) => `\`${c}\``).join(', ') || '(none)'}`);
        if (verdict.matched.length) lines.push(`rules matched: ${verdict.matched.map(describeRule).join('; ')}`);
        const text = verdict.rule && ruleText(verdict.rule);
        if (text) lines.push('', text);
        if (verdict.outcome === 'none') lines.push('no rule decides: a delegation that covers the call allows it, else the user is asked');
        return lines.join('\n');
      });
      if (verdict.outcome === 'deny') process.exitCode = ExitCode.Denied;
    });
}

function registerPolicyExplainCommand(policy: Command, globals: Globals): void {
  policy
    .command('explain <seq>')
    .description('which owner rule decided an audited call, and what it says')
    .action(async (seqText: string) => {
      const { json, home } = globals();
      const seq = Number.parseInt(seqText, 10);
      if (!Number.isSafeInteger(seq) || seq < 0) throw new CliError(`"${seqText}" is not an audit record number`, ExitCode.Usage);
      const client = await connectToDaemon(home, 'ui');
      try {
        const { records } = await client.request('audit/query', { since: seq, limit: 1 });
        const record = records[0];
        if (!record || record.seq !== seq) throw new CliError(`the audit log has no record #${seq}`, ExitCode.Error);
        const decided = record.data.policy as { outcome: string; rule: PolicyRule; reason: string; matched: string[]; shell?: { commands: string[]; opaque: string[] } } | undefined;
        const text = decided && ruleText(decided.rule);
        print(json, { seq, kind: record.kind, policy: decided ?? null, ...(text ? { ruleText: text } : {}) }, () => {
          if (!decided) return `#${seq} ${record.kind}: no owner rule took part in this decision (delegations and approvals decided it)`;
          const lines = [`#${seq} ${record.kind}: ${decided.reason}`, `rule: ${describeRule(decided.rule)}`];
          if (decided.matched.length > 1) lines.push(`also matched: ${decided.matched.filter((id) => id !== decided.rule.id).join(', ')}`);
          if (decided.shell) lines.push(`simple commands: ${decided.shell.commands.map((c) => `\`${c}\``).join(', ')}`);
          lines.push(text ? `\n${text}` : '(the rule is no longer at that line of its file)');
          return lines.join('\n');
        });
      } finally {
        client.close();
      }
    });
}

function registerPolicyConfirmCommand(policy: Command, globals: Globals): void {
  policy
    .command('confirm')
    .description('confirm that rules deleted or weakened in a workspace policy file stop being enforced (asks on a terminal)')
    .option('--workspace <dir>', 'the workspace', process.cwd())
    .option('--yes', 'do not ask (for scripts you run yourself)')
    .action(async (opts: { workspace: string; yes?: boolean }) => {
      const { json, home } = globals();
      const workspace = resolve(opts.workspace);
      const owner = new OwnerPolicy({ home, installDefaults: false });
      const pending = owner.refresh(workspace).find((s) => s.scope === 'workspace')?.pendingRemoval ?? [];
      if (!pending.length) return print(json, { dropped: [] }, () => 'nothing to confirm: the workspace rules in force are those of its file');
      if (!opts.yes) {
        // An agent runs commands without a terminal; the loosening is the user's to confirm.
        if (!process.stdin.isTTY) throw new CliError('confirming a looser workspace policy needs a terminal (or --yes, run by you)', ExitCode.Denied);
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`stop enforcing ${pending.join(', ')} in ${workspace}? type "yes": `);
        rl.close();
        if (answer.trim() !== 'yes') throw new CliError('not confirmed; the rules stay in force', ExitCode.Denied);
      }
      const dropped = confirmWorkspacePolicy(home, workspace);
      print(json, { dropped }, () => `no longer enforced: ${dropped.join(', ')}`);
    });
}
