// The owner policy: rules the developer writes that no delegation, approval or agent can get around. Runs on
// every authorize after the arguments are canonical and before any chain is searched. Each canonical path,
// each simple command of a shell line and the tool itself are evaluated on their own, and the strictest outcome
// wins: deny > ask > allow > none. An allow needs every path and command of the call to be allowed; a deny or
// an ask from any of them is enough.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';
import { CedarRuleSet, compileFile, OUTCOME_STRICTNESS, type CompiledFile, type CedarUnit, type Outcome, type PolicyProblem, type PolicyRule } from './cedarEngine';
import { DEFAULT_RULES, DEFAULT_RULES_FILE } from './defaultRules';
import { canonicalPath, HARD_LINKED_MARK, UNCLASSIFIED_MARK } from '../authz/canonicalPaths';
import { KNOWN_COMMANDS } from './signetSchema';
import { analyzeShellCommand, type ShellAnalysis } from './shellCommands';

export type { Outcome, PolicyRule, PolicyProblem } from './cedarEngine';

/** What the policy is asked about: the call after canonicalisation. */
export interface PolicyCall {
  agent: { did: string; name: string };
  /** DIDs of the principals the agent acts for, from the user down (user → planner). */
  chain: string[];
  actingFor: string[];
  cmd: string;
  /** Canonical arguments. */
  args: Record<string, unknown>;
  /** Canonical paths found in the arguments. */
  paths: string[];
  workspace: string;
}

export interface PolicyVerdict {
  outcome: Outcome | 'none';
  /** The rule that decided (the strictest match); absent for `none`. */
  rule?: PolicyRule;
  /** Every rule that matched any part of the call. */
  matched: PolicyRule[];
  /** A sentence a person understands, naming the rule and where it is written. */
  reason: string;
  /** The shell line's simple commands, when the call ran one (for the audit record and `policy test`). */
  shell?: { commands: string[]; opaque: string[] };
}

/** Rules that are part of Signet itself rather than of any file. */
const BUILT_IN = '(built in)';
export const OPAQUE_SHELL_RULE: PolicyRule = { id: 'signet:shell-opaque', file: BUILT_IN, line: 0, outcome: 'ask', reason: 'the policy cannot see through this shell command' };
export const UNAVAILABLE_RULE: PolicyRule = { id: 'signet:policy-unavailable', file: BUILT_IN, line: 0, outcome: 'deny' };
export const EVALUATION_ERROR_RULE: PolicyRule = { id: 'signet:rule-error', file: BUILT_IN, line: 0, outcome: 'ask' };

/** Arguments that hold a shell command line, wherever a client puts them. */
const SHELL_KEYS = new Set(['command', 'cmd', 'script', 'shell_command', 'commandLine', 'command_line']);

export function describeRule(rule: PolicyRule): string {
  if (rule.file === BUILT_IN) return `rule \`${rule.id}\` (built in)`;
  return rule.line > 0 ? `rule \`${rule.id}\` in ${tildePath(rule.file)}:${rule.line}` : `rule \`${rule.id}\` of ${rule.file}`;
}

function tildePath(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}

export interface FileState {
  file: string;
  scope: 'user' | 'workspace';
  /** `ok`: in force as written; `broken`: its last good version is in force, or nothing if it never had one. */
  state: 'ok' | 'broken';
  rules: number;
  problems: PolicyProblem[];
  everValid: boolean;
  /**
   * Workspace rules that were deleted or changed in the file but stay in force until the user confirms the
   * loosening (`signet policy confirm`): any agent in the workspace can write the file.
   */
  pendingRemoval: string[];
}

/** The workspace rules the user has seen in force, by workspace file: removing one from the file needs a confirmation. */
interface AcceptedRules {
  [workspaceFile: string]: { key: string; rule: PolicyRule; json: CedarModule.PolicyJson }[];
}

export const ACCEPTED_WORKSPACE_RULES_FILE = 'policy-workspaces.json';

function ruleKey(entry: { rule: PolicyRule; json: CedarModule.PolicyJson }): string {
  return createHash('sha256').update(JSON.stringify([entry.rule.id, entry.rule.outcome, entry.rule.reason ?? null, entry.json])).digest('hex');
}

interface LoadedFile {
  fingerprint: string;
  current: CompiledFile;
  lastGood?: CompiledFile;
  scope: 'user' | 'workspace';
  /** What is enforced: the last good version, and for a workspace file also its accepted rules not yet confirmed gone. */
  effective?: CompiledFile;
  pendingRemoval: string[];
}

export interface OwnerPolicyOptions {
  /** The Signet home: user rules live in `<home>/policy/*.cedar`. */
  home: string;
  /** Write the default rules on first start (the default); tests of other parts may turn it off. */
  installDefaults?: boolean;
  /** Told about each file that fails to parse or validate, once per version of it. */
  onProblem?: (state: FileState) => void;
  now?: () => number;
  /** An extra decider (OPA) asked alongside Cedar; its verdict takes part in "strictest wins". */
  external?: { evaluate(call: PolicyCall, shell: ShellAnalysis | undefined): Promise<PolicyVerdict> };
}

export class OwnerPolicy {
  readonly userDir: string;
  private readonly home: string;
  private readonly files = new Map<string, LoadedFile>();
  private ruleSets = new Map<string, CedarRuleSet>();
  private readonly onProblem: ((state: FileState) => void) | undefined;
  private readonly now: () => number;
  private readonly external: OwnerPolicyOptions['external'];

  constructor(options: OwnerPolicyOptions) {
    this.home = options.home;
    this.userDir = join(options.home, 'policy');
    this.onProblem = options.onProblem;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.external = options.external;
    if (options.installDefaults !== false && !existsSync(this.userDir)) {
      mkdirSync(this.userDir, { recursive: true, mode: 0o700 });
      const temp = join(this.userDir, `.${DEFAULT_RULES_FILE}.tmp`);
      writeFileSync(temp, DEFAULT_RULES, { mode: 0o600 });
      renameSync(temp, join(this.userDir, DEFAULT_RULES_FILE));
    }
  }

  /** The policy files that apply in `workspace`: the user's, then the workspace's own. */
  policyFiles(workspace: string): { file: string; scope: 'user' | 'workspace' }[] {
    const out: { file: string; scope: 'user' | 'workspace' }[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.userDir).filter((n) => n.endsWith('.cedar')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const n of names) out.push({ file: join(this.userDir, n), scope: 'user' });
    const workspaceFile = join(workspace, '.signet', 'policy.cedar');
    // A deleted workspace file still counts while its rules await the user's confirmation of their removal.
    if (existsSync(workspaceFile) || (readAccepted(join(this.home, ACCEPTED_WORKSPACE_RULES_FILE))[workspaceFile]?.length ?? 0) > 0) {
      out.push({ file: workspaceFile, scope: 'workspace' });
    }
    return out;
  }

  /** Re-reads the files that changed (by size and modification time) and answers each file's state. */
  refresh(workspace: string): FileState[] {
    const states: FileState[] = [];
    const acceptedPath = join(this.home, ACCEPTED_WORKSPACE_RULES_FILE);
    for (const { file, scope } of this.policyFiles(workspace)) {
      const s = statSync(file, { throwIfNoEntry: false });
      if (!s && scope === 'user') continue;
      let fingerprint = s ? `${s.size} ${s.mtimeMs} ${s.ino}` : 'deleted';
      if (scope === 'workspace') {
        const a = statSync(acceptedPath, { throwIfNoEntry: false });
        fingerprint += a ? ` ${a.size} ${a.mtimeMs}` : '';
      }
      let loaded = this.files.get(file);
      if (!loaded || loaded.fingerprint !== fingerprint) {
        let current: CompiledFile;
        try {
          current = s ? compileFile(file, readFileSync(file, 'utf8'), scope === 'workspace') : { file, rules: [], problems: [] };
        } catch (error) {
          current = { file, rules: [], problems: [{ file, line: 1, message: `could not be read: ${(error as Error).message}` }] };
        }
        const fatal = current.problems.filter((p) => !isDroppedRule(p));
        const lastGood = fatal.length ? loaded?.lastGood : current;
        loaded = { fingerprint, current, scope, ...(lastGood ? { lastGood } : {}), pendingRemoval: [] };
        if (scope === 'workspace') this.applyAccepted(loaded, acceptedPath);
        else if (lastGood) loaded.effective = lastGood;
        this.files.set(file, loaded);
        this.ruleSets = new Map();
        if (current.problems.length) this.onProblem?.(stateOf(loaded));
      }
      states.push(stateOf(loaded));
    }
    return states;
  }

  /**
   * A workspace file's new rules are accepted at once (tightening needs no one's word); a rule that disappears
   * from it stays in force until the user confirms, so an agent cannot loosen the rules by editing the file.
   */
  private applyAccepted(loaded: LoadedFile, acceptedPath: string): void {
    const accepted = readAccepted(acceptedPath);
    const file = loaded.current.file;
    const known = accepted[file] ?? [];
    const good = loaded.lastGood?.rules ?? [];
    const goodKeys = new Set(good.map(ruleKey));
    const kept = known.filter((k) => !goodKeys.has(k.key));
    const knownKeys = new Set(known.map((k) => k.key));
    const added = good.filter((r) => !knownKeys.has(ruleKey(r)));
    if (added.length) {
      accepted[file] = [...known, ...added.map((r) => ({ key: ruleKey(r), rule: r.rule, json: r.json }))];
      writeAccepted(acceptedPath, accepted);
    }
    loaded.pendingRemoval = kept.map((k) => k.rule.id);
    if (loaded.lastGood || kept.length) loaded.effective = { file, rules: [...good, ...kept.map((k) => ({ rule: k.rule, json: k.json }))], problems: [] };
  }

  async evaluate(call: PolicyCall): Promise<PolicyVerdict> {
    const states = this.refresh(call.workspace);
    const shell = await shellOf(call);
    const verdicts: PolicyVerdict[] = [];
    const neverValid = states.filter((s) => !s.everValid);
    if (neverValid.length) {
      const first = neverValid[0]!;
      const problem = first.problems[0];
      verdicts.push({
        outcome: 'deny',
        rule: { ...UNAVAILABLE_RULE, ...(problem ? { file: problem.file, line: problem.line } : {}) },
        matched: [],
        reason: `the owner policy could not be loaded, so nothing runs without it: ${tildePath(first.file)}${problem ? `:${problem.line}: ${problem.message}` : ''} (see \`signet policy check\`)`,
      });
    } else if (states.length) {
      verdicts.push(await this.evaluateCedar(call, shell, states));
    }
    if (shell?.opaque.length) {
      verdicts.push({ outcome: 'ask', rule: OPAQUE_SHELL_RULE, matched: [OPAQUE_SHELL_RULE], reason: `asked because ${describeRule(OPAQUE_SHELL_RULE)}: ${shell.opaque.join('; ')}` });
    }
    if (this.external) verdicts.push(await this.external.evaluate(call, shell));
    const verdict = strictest(verdicts);
    return shell ? { ...verdict, shell: { commands: shell.commands.map((c) => c.argv.join(' ')), opaque: shell.opaque } } : verdict;
  }

  private ruleSetFor(states: FileState[]): CedarRuleSet {
    const key = states.map((s) => s.file).join('\n');
    let set = this.ruleSets.get(key);
    if (!set) {
      const compiled = states.map((s) => this.files.get(s.file)?.effective).filter((c): c is CompiledFile => c !== undefined);
      set = new CedarRuleSet(compiled);
      this.ruleSets.set(key, set);
    }
    return set;
  }

  private async evaluateCedar(call: PolicyCall, shell: ShellAnalysis | undefined, states: FileState[]): Promise<PolicyVerdict> {
    const set = this.ruleSetFor(states);
    const units = await unitsOf(call, shell, this.home);
    const now = this.now();
    const context: Record<string, CedarModule.CedarValueJson> = {
      cmd: call.cmd,
      server: typeof call.args.server === 'string' ? call.args.server : '',
      tool: typeof call.args.tool === 'string' ? call.args.tool : '',
      workspace: call.workspace,
      now,
      hourUtc: Math.floor((now % 86400) / 3600),
      argsText: safeJson(call.args),
      shellLine: shell ? (shellScriptOf(call.args) ?? '') : '',
      shell: shell !== undefined,
    };
    const request = {
      principal: { did: call.agent.did, attrs: { did: call.agent.did, name: call.agent.name, chain: call.chain, actingFor: call.actingFor } },
      action: (KNOWN_COMMANDS as readonly string[]).includes(call.cmd) ? call.cmd : '/other',
      context,
    };
    const matched: PolicyRule[] = [];
    const verdicts: PolicyVerdict[] = [];
    let everyNeededAllowed = true;
    for (const { unit, needsAllow, unallowable, label } of units) {
      const result = set.evaluate(request, unit);
      for (const r of result.matched) if (!matched.includes(r)) matched.push(r);
      const strict = result.errored.filter((r) => r.outcome !== 'allow');
      if (strict.length) {
        const rule = { ...EVALUATION_ERROR_RULE, file: strict[0]!.file, line: strict[0]!.line };
        verdicts.push({ outcome: 'ask', rule, matched: [], reason: `asked because ${describeRule(strict[0]!)} could not be evaluated on ${label}` });
      }
      const top = result.matched.reduce<PolicyRule | undefined>((best, r) => (!best || OUTCOME_STRICTNESS[r.outcome] > OUTCOME_STRICTNESS[best.outcome] ? r : best), undefined);
      if (needsAllow && (unallowable || top?.outcome === undefined)) everyNeededAllowed = false;
      if (top && top.outcome !== 'allow') verdicts.push(verdictOf(top, label));
      if (top?.outcome === 'allow') verdicts.push(verdictOf(top, label));
    }
    const verdict = strictest(verdicts);
    if (verdict.outcome === 'allow' && !everyNeededAllowed) return { outcome: 'none', matched, reason: 'no rule decides every part of this call' };
    return { ...verdict, matched };
  }
}

function isDroppedRule(p: PolicyProblem): boolean {
  return p.message.includes('may only deny or ask');
}

function stateOf(loaded: LoadedFile): FileState {
  const fatal = loaded.current.problems.filter((p) => !isDroppedRule(p));
  return {
    file: loaded.current.file,
    scope: loaded.scope,
    state: fatal.length ? 'broken' : 'ok',
    rules: (fatal.length ? loaded.lastGood : loaded.current)?.rules.length ?? 0,
    problems: loaded.current.problems,
    everValid: loaded.effective !== undefined,
    pendingRemoval: loaded.pendingRemoval,
  };
}

function readAccepted(path: string): AcceptedRules {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AcceptedRules;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${path} is unreadable, so the workspace rules in force are unknown: ${(error as Error).message}`, { cause: error });
  }
}

function writeAccepted(path: string, accepted: AcceptedRules): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(accepted, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * The user's confirmation that a workspace file's rules are now exactly what it says: rules deleted or weakened
 * in it stop being enforced. Answers the ids that were dropped. Only the user runs this (see `signet policy confirm`).
 */
export function confirmWorkspacePolicy(home: string, workspace: string): string[] {
  const file = join(workspace, '.signet', 'policy.cedar');
  const acceptedPath = join(home, ACCEPTED_WORKSPACE_RULES_FILE);
  const accepted = readAccepted(acceptedPath);
  const before = accepted[file] ?? [];
  if (!existsSync(file)) {
    delete accepted[file];
    writeAccepted(acceptedPath, accepted);
    return before.map((k) => k.rule.id);
  }
  const compiled = compileFile(file, readFileSync(file, 'utf8'), true);
  const fatal = compiled.problems.filter((p) => !isDroppedRule(p));
  if (fatal.length) throw new Error(`${file} does not validate, so it cannot be confirmed: line ${fatal[0]!.line}: ${fatal[0]!.message}`);
  const now = compiled.rules.map((r) => ({ key: ruleKey(r), rule: r.rule, json: r.json }));
  accepted[file] = now;
  writeAccepted(acceptedPath, accepted);
  const kept = new Set(now.map((k) => k.key));
  return before.filter((k) => !kept.has(k.key)).map((k) => k.rule.id);
}

function verdictOf(rule: PolicyRule, label: string): PolicyVerdict {
  const verb = rule.outcome === 'deny' ? 'denied' : rule.outcome === 'ask' ? 'asked' : 'allowed';
  return { outcome: rule.outcome, rule, matched: [rule], reason: `${verb} because ${describeRule(rule)}${rule.reason ? ` (${rule.reason})` : ''} matched ${label}` };
}

/** The strictest of several verdicts; the first among equals. */
export function strictest(verdicts: PolicyVerdict[]): PolicyVerdict {
  let best: PolicyVerdict = { outcome: 'none', matched: [], reason: 'no owner rule matched' };
  for (const v of verdicts) if (OUTCOME_STRICTNESS[v.outcome] > OUTCOME_STRICTNESS[best.outcome]) best = v;
  const matched = [...new Set(verdicts.flatMap((v) => v.matched))];
  return { ...best, matched };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** The shell line of a call, when its arguments carry one (Claude Code's Bash, VS Code's terminal, MCP shell tools). */
export function shellScriptOf(args: Record<string, unknown>): string | undefined {
  const look = (value: unknown, depth: number): string | undefined => {
    if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 2) return undefined;
    for (const [k, v] of Object.entries(value)) {
      if (SHELL_KEYS.has(k) && typeof v === 'string') return v;
      if (SHELL_KEYS.has(k) && Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map(shellQuote).join(' ');
    }
    for (const v of Object.values(value)) {
      const found = look(v, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return look(args, 0);
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function shellOf(call: PolicyCall): Promise<ShellAnalysis | undefined> {
  const script = shellScriptOf(call.args);
  if (script === undefined) return undefined;
  const cwd = findCwd(call.args) ?? call.workspace;
  return analyzeShellCommand(script, cwd);
}

function findCwd(args: Record<string, unknown>): string | undefined {
  for (const holder of [args, args.input, args.arguments]) {
    if (holder && typeof holder === 'object' && typeof (holder as Record<string, unknown>).cwd === 'string') return (holder as Record<string, string>).cwd;
  }
  return undefined;
}

const WRITE_TOOL = /write|edit|create|delete|remove|move|rename|mkdir|patch|append|save|put|upload|replace|insert|notebook/i;
const READ_TOOL = /read|get|list|view|search|grep|glob|find|cat|head|tail|stat|tree|open|fetch|show/i;

function accessOf(call: PolicyCall): 'read' | 'write' | 'unknown' {
  const name = `${typeof call.args.tool === 'string' ? call.args.tool : ''} ${call.cmd.split('/').pop() ?? ''}`;
  if (WRITE_TOOL.test(name)) return 'write';
  if (READ_TOOL.test(name)) return 'read';
  return 'unknown';
}

function fileUnit(path: string, access: string, viaCommand: string, workspace: string, home: string): CedarUnit {
  const inWorkspace = path === workspace || path.startsWith(workspace.endsWith(sep) ? workspace : workspace + sep);
  const userHome = homedir();
  const underHome = path === userHome || path.startsWith(userHome + sep);
  return {
    resource: {
      type: 'File',
      id: path,
      attrs: {
        path,
        name: basename(path),
        inWorkspace,
        workspaceRelative: inWorkspace ? relative(workspace, path) : '',
        homeRelative: underHome ? `~${path.slice(userHome.length)}` : '',
        inSignetHome: path === home || path.startsWith(home + sep),
        access,
        viaCommand,
      },
    },
  };
}

/**
 * The parts of a call, each decided on its own. A one-line string that may be a path but could not be classified is
 * taken as a path (deny and ask rules see it, and no allow can pass it by); a file with more than one hard link is
 * decided by the name it was reached through, but no rule can allow it, since its other names are not seen.
 */
async function unitsOf(call: PolicyCall, shell: ShellAnalysis | undefined, home: string): Promise<{ unit: CedarUnit; needsAllow: boolean; unallowable?: boolean; label: string }[]> {
  const units: { unit: CedarUnit; needsAllow: boolean; unallowable?: boolean; label: string }[] = [];
  const access = accessOf(call);
  const script = shell ? shellScriptOf(call.args) : undefined;
  for (const entry of call.paths) {
    if (entry.startsWith(UNCLASSIFIED_MARK)) {
      const raw = entry.slice(UNCLASSIFIED_MARK.length);
      if (raw === call.args.tool || raw === call.args.server || raw === script || raw === '') continue;
      // Text of several lines (a file body) is no path to decide on, but no rule can allow the call past it either.
      if (/[\n\r\0]/.test(raw)) {
        units.push({ unit: { resource: { type: 'Tool', id: 'text', attrs: { server: '', tool: '' } } }, needsAllow: true, unallowable: true, label: 'a text argument' });
        continue;
      }
      let path: string;
      try {
        path = await canonicalPath(raw, call.workspace);
      } catch {
        continue;
      }
      units.push({ unit: fileUnit(path, access, '', call.workspace, home), needsAllow: true, unallowable: true, label: `${tildePath(path)} (perhaps a path)` });
    } else if (entry.startsWith(HARD_LINKED_MARK)) {
      const path = entry.slice(HARD_LINKED_MARK.length);
      units.push({ unit: fileUnit(path, access, '', call.workspace, home), needsAllow: true, unallowable: true, label: `${tildePath(path)} (hard-linked)` });
    } else {
      units.push({ unit: fileUnit(entry, access, '', call.workspace, home), needsAllow: true, label: tildePath(entry) });
    }
  }
  if (shell) {
    for (const c of shell.commands) {
      const args = c.argv.slice(1);
      units.push({
        unit: {
          resource: {
            type: 'Command',
            id: c.argv.join(' '),
            attrs: { program: c.program, args, line: c.argv.join(' '), subcommand: subcommandOf(args), via: c.via, stdinFrom: c.stdinFrom },
          },
        },
        needsAllow: true,
        label: `\`${c.argv.join(' ')}\``,
      });
      for (const p of c.paths) units.push({ unit: fileUnit(p.path, p.access, c.program, call.workspace, home), needsAllow: false, label: `${tildePath(p.path)} (${c.program})` });
    }
    const named = new Set(shell.commands.flatMap((c) => c.paths.map((p) => p.path)));
    for (const p of shell.paths) if (p.access !== 'argument' || !named.has(p.path)) units.push({ unit: fileUnit(p.path, p.access, '', call.workspace, home), needsAllow: false, label: `${tildePath(p.path)} (redirect)` });
  }
  const server = typeof call.args.server === 'string' ? call.args.server : '';
  const tool = typeof call.args.tool === 'string' ? call.args.tool : '';
  units.push({ unit: { resource: { type: 'Tool', id: `${server}/${tool}`, attrs: { server, tool } } }, needsAllow: units.length === 0, label: tool || call.cmd });
  return units;
}

/**
 * Global options that take a value before a subcommand (`git -C dir push`, `git -c k=v push`, `signet --home dir
 * approve`): without them, the value would be read as the subcommand and a rule on it passed by.
 */
const VALUE_OPTIONS_BEFORE_SUBCOMMAND = new Set(['-c', '-C', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '-f', '--file', '--prefix', '--workspace', '-w', '--home']);

function subcommandOf(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_OPTIONS_BEFORE_SUBCOMMAND.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return '';
}

/** A digest naming one version of the rules, for the audit record of a policy allow. */
export function ruleDigest(rule: PolicyRule): string {
  return createHash('sha256').update(`${rule.file}:${rule.line}:${rule.id}`).digest('hex').slice(0, 16);
}
