// Cedar, embedded: policy files are split into their policies, each validated against the Signet schema and
// given its outcome (`@outcome("deny" | "ask" | "allow")`, else forbid = deny and permit = allow), its id
// (`@id(…)`, else file:line) and its reason (`@reason(…)`). Cedar itself answers only permit or forbid with
// default deny, and names only the forbids when one matches; so every policy is handed to it as a permit, and
// the outcome is decided from the full set of policies that matched, never from Cedar's Allow/Deny.
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';
import { runtimeRequire } from './runtimeRequire';
import { SIGNET_SCHEMA } from './signetSchema';

export type Outcome = 'deny' | 'ask' | 'allow';

/** One rule of a policy file: what a decision names. */
export interface PolicyRule {
  id: string;
  file: string;
  line: number;
  outcome: Outcome;
  reason?: string;
}

export interface PolicyProblem {
  file: string;
  line: number;
  message: string;
}

export interface CompiledFile {
  file: string;
  rules: { rule: PolicyRule; json: CedarModule.PolicyJson }[];
  problems: PolicyProblem[];
}

export const OUTCOME_STRICTNESS: Record<Outcome | 'none', number> = { none: 0, allow: 1, ask: 2, deny: 3 };

let cedar: typeof CedarModule | undefined;
/** How long loading Cedar's WebAssembly took, once loaded (for `signet policy check` and the benchmark). */
export let cedarLoadMilliseconds: number | undefined;

/** Cedar's WebAssembly (about 4.3 MB) is compiled on first use only: a daemon without policy files never loads it. */
export function loadCedar(): typeof CedarModule {
  if (!cedar) {
    const started = performance.now();
    // A run-time require: the package loads its WebAssembly from beside its own file, so it stays out of the bundle.
    cedar = runtimeRequire('@cedar-policy/cedar-wasm/nodejs') as typeof CedarModule;
    cedarLoadMilliseconds = performance.now() - started;
  }
  return cedar;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses and validates one file. `tightenOnly` (a workspace file, which any agent in the workspace can write)
 * refuses every rule whose outcome is allow: it is reported and has no effect.
 */
export function compileFile(file: string, text: string, tightenOnly: boolean): CompiledFile {
  const c = loadCedar();
  const problems: PolicyProblem[] = [];
  const parts = c.policySetTextToParts(text);
  if (parts.type !== 'success') {
    for (const e of parts.errors) problems.push({ file, line: lineOf(text, e.sourceLocations?.[0]?.start ?? 0), message: e.message });
    return { file, rules: [], problems };
  }
  if (parts.policy_templates.length) problems.push({ file, line: 1, message: 'policy templates are not supported in owner policy files' });
  const rules: CompiledFile['rules'] = [];
  // One validation for the whole file: Cedar names the policies policy0, policy1, … in the order of the text.
  const statics: Record<string, string> = {};
  parts.policies.forEach((p, i) => (statics[`policy${i}`] = p));
  const validation = c.validate({ schema: SIGNET_SCHEMA, policies: { staticPolicies: statics }, validationSettings: { mode: 'strict' } });
  if (validation.type !== 'success') {
    for (const e of validation.errors) problems.push({ file, line: 1, message: e.message });
    return { file, rules: [], problems };
  }
  // Each error keeps where in its policy Cedar found it, so the file's line names the offending part, not the policy's first line.
  const invalid = new Map<string, { message: string; offset: number }[]>();
  for (const e of validation.validationErrors) {
    const found = { message: e.error.message.replace(/^for policy `policy\d+`, /, ''), offset: e.error.sourceLocations?.[0]?.start ?? 0 };
    invalid.set(e.policyId, [...(invalid.get(e.policyId) ?? []), found]);
  }
  // Cedar hands the policies back in an order of its own, each as written: each is found in the text for its line.
  const used = new Set<number>();
  for (const [index, policyText] of parts.policies.entries()) {
    let found = text.indexOf(policyText);
    while (found !== -1 && used.has(found)) found = text.indexOf(policyText, found + 1);
    if (found !== -1) used.add(found);
    const line = found === -1 ? 1 : lineOf(text, found);
    const errors = invalid.get(`policy${index}`);
    if (errors) {
      for (const { message, offset } of errors) problems.push({ file, line: found === -1 ? line : lineOf(text, found + offset), message });
      continue;
    }
    const json = c.policyToJson(policyText);
    if (json.type !== 'success') {
      for (const e of json.errors) problems.push({ file, line, message: e.message });
      continue;
    }
    const annotations = json.json.annotations ?? {};
    const written = annotations.outcome;
    if (written !== undefined && written !== 'deny' && written !== 'ask' && written !== 'allow') {
      problems.push({ file, line, message: `@outcome must be "deny", "ask" or "allow", not ${JSON.stringify(written)}` });
      continue;
    }
    const outcome: Outcome = written ?? (json.json.effect === 'forbid' ? 'deny' : 'allow');
    const id = annotations.id ?? `${file}:${line}`;
    if (tightenOnly && outcome === 'allow') {
      problems.push({ file, line, message: `rule ${id} would allow, and a workspace policy file may only deny or ask (any agent in the workspace can write it); it has no effect` });
      continue;
    }
    if (rules.some((r) => r.rule.id === id)) {
      problems.push({ file, line, message: `the id ${JSON.stringify(id)} is used twice in this file` });
      continue;
    }
    rules.push({
      rule: { id, file, line, outcome, ...(annotations.reason !== undefined ? { reason: annotations.reason } : {}) },
      json: { ...json.json, effect: 'permit' },
    });
  }
  rules.sort((a, b) => a.rule.line - b.rule.line);
  problems.sort((a, b) => a.line - b.line);
  return { file, rules, problems };
}

/** One Cedar request: a resource of the call, with the principal and the context shared by all. */
export interface CedarUnit {
  resource: { type: 'File' | 'Command' | 'Tool'; id: string; attrs: Record<string, CedarModule.CedarValueJson> };
}

export interface CedarRequest {
  principal: { did: string; attrs: Record<string, CedarModule.CedarValueJson> };
  action: string;
  context: Record<string, CedarModule.CedarValueJson>;
}

export interface UnitResult {
  matched: PolicyRule[];
  /** Rules that errored while evaluated: a rule that would deny or ask cannot be skipped by making it fail. */
  errored: PolicyRule[];
}

const RESOURCE_TYPES = ['File', 'Command', 'Tool'] as const;
type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The resource types a policy can match, from its scope: `resource is Signet::File` matches Files only. */
function resourceTypesOf(json: CedarModule.PolicyJson): ResourceType[] {
  const scope = json.resource;
  let type: string | undefined;
  if (scope.op === 'is') type = scope.entity_type;
  else if ((scope.op === '==' || scope.op === 'in') && 'entity' in scope) type = 'type' in scope.entity ? scope.entity.type : scope.entity.__entity.type;
  const short = type?.replace(/^Signet::/, '');
  return RESOURCE_TYPES.filter((t) => short === undefined || t === short);
}

/** Context attributes that change from call to call; a request is remembered only while no rule reads them. */
const VOLATILE_CONTEXT = new Set(['now', 'hourUtc', 'argsText', 'shellLine']);

/** Whether a rule reads `context` only through attributes that do not change from call to call. */
function readsOnlyStableContext(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.every(readsOnlyStableContext);
  if (!expr || typeof expr !== 'object') return true;
  const node = expr as Record<string, unknown>;
  if (node.Var === 'context') return false;
  for (const op of ['.', 'has']) {
    const access = node[op] as { left?: { Var?: string }; attr?: unknown } | undefined;
    if (access?.left?.Var === 'context') {
      const attrs = Array.isArray(access.attr) ? access.attr : [access.attr];
      return attrs.every((a) => typeof a === 'string' && !VOLATILE_CONTEXT.has(a));
    }
  }
  return Object.values(node).every(readsOnlyStableContext);
}

/** How many answers a rule set remembers; Cedar's answer is a pure function of the request. */
const REMEMBERED_ANSWERS = 4096;

/**
 * A set of rules handed to Cedar once and evaluated many times. Each call into Cedar's WebAssembly costs about as
 * much as a dozen rules, so the rules are prepared once per resource type, and a request only meets the rules
 * that can match its resource.
 */
export class CedarRuleSet {
  private static nextId = 0;
  private readonly ids = new Map<ResourceType, string>();
  private readonly byPolicyId = new Map<string, PolicyRule>();
  /** Answers by request, kept while no rule reads the context that changes from call to call. */
  private readonly remembered: Map<string, UnitResult> | undefined;
  readonly rules: PolicyRule[];

  constructor(files: CompiledFile[]) {
    const c = loadCedar();
    const statics = new Map<ResourceType, Record<string, CedarModule.PolicyJson>>();
    let n = 0;
    let stable = true;
    for (const f of files) {
      for (const { rule, json } of f.rules) {
        stable &&= readsOnlyStableContext(json.conditions);
        const policyId = `p${n++}`;
        this.byPolicyId.set(policyId, rule);
        for (const type of resourceTypesOf(json)) statics.set(type, { ...statics.get(type), [policyId]: json });
      }
    }
    this.rules = [...this.byPolicyId.values()];
    if (stable) this.remembered = new Map();
    for (const [type, policies] of statics) {
      const id = `signet-${CedarRuleSet.nextId++}-${type}`;
      const answer = c.preparsePolicySet(id, { staticPolicies: policies });
      if (answer.type !== 'success') throw new Error(`the policy set could not be prepared: ${answer.errors.map((e) => e.message).join('; ')}`);
      this.ids.set(type, id);
    }
  }

  evaluate(request: CedarRequest, unit: CedarUnit): UnitResult {
    const setId = this.ids.get(unit.resource.type);
    if (setId === undefined) return { matched: [], errored: [] };
    let key: string | undefined;
    if (this.remembered) {
      const stableContext = Object.entries(request.context).filter(([k]) => !VOLATILE_CONTEXT.has(k));
      key = JSON.stringify([setId, request.principal, request.action, stableContext, unit.resource]);
      const known = this.remembered.get(key);
      if (known) return known;
    }
    const result = this.ask(setId, request, unit);
    if (this.remembered && key !== undefined) {
      if (this.remembered.size >= REMEMBERED_ANSWERS) this.remembered.clear();
      this.remembered.set(key, result);
    }
    return result;
  }

  private ask(setId: string, request: CedarRequest, unit: CedarUnit): UnitResult {
    const c = loadCedar();
    const principal = { type: 'Signet::Agent', id: request.principal.did };
    const resource = { type: `Signet::${unit.resource.type}`, id: unit.resource.id };
    // The request is built here from typed values, so Cedar need not validate it against the schema each time.
    const answer = c.statefulIsAuthorized({
      principal,
      action: { type: 'Signet::Action', id: request.action },
      resource,
      context: request.context,
      validateRequest: false,
      preparsedPolicySetId: setId,
      entities: [
        { uid: principal, attrs: request.principal.attrs, parents: [] },
        { uid: resource, attrs: unit.resource.attrs, parents: [] },
      ],
    });
    if (answer.type !== 'success') throw new Error(`Cedar could not evaluate the request: ${answer.errors.map((e) => e.message).join('; ')}`);
    const pick = (ids: string[]) => ids.map((id) => this.byPolicyId.get(id)).filter((r): r is PolicyRule => r !== undefined);
    return { matched: pick(answer.response.diagnostics.reason), errored: pick(answer.response.diagnostics.errors.map((e) => e.policyId)) };
  }
}
