// The UCAN policy language (delegation spec, "Policy"): statements over the invocation `args`.
//
// Policies are compiled once (selectors parsed, patterns split) and then evaluated; compiling is also how a
// policy is validated, so a malformed policy is refused with the same error whichever way it arrives.
//
// Semantics, as the spec gives them:
//   - `==` is deep equality in the IPLD data model (see ipld.ts); `!=` is exactly `not ==`.
//   - `< <= > >=` compare numbers whatever their representation; anything that is not a number gives false.
//   - `like` matches a whole string against a pattern whose only special character is `*` (zero or more
//     characters). `\*` is a literal star and `\\` a literal backslash (so any string can be quoted by prefixing
//     each `\` and `*` with a backslash); every other character, whitespace and a lone backslash included, is
//     literal. A value that is not a string gives false.
//   - `and []` and `or []` are true; `not` inverts.
//   - `all` / `any` quantify over a list's elements or a map's values (the inner statement sees each as ".");
//     over anything else they give false. `all` over an empty collection is true, `any` is false.
//   - A selector that cannot be resolved makes its statement false (and `not` of it true); a missing map key
//     selects null. Nothing here throws during evaluation.
import { PolicySyntaxError } from './errors';
import { describeValue, ipldEquals, ipldValueProblem, isIpldMap, maxIpldDepth } from './ipld';
import { parseSelectorCached, resolveSelector, unresolved, type Segment } from './selector';
import type { Policy } from './types';

type Comparison = '<' | '<=' | '>' | '>=';

type CompiledStatement =
  | { readonly op: 'eq'; readonly selector: readonly Segment[]; readonly value: unknown; readonly negate: boolean }
  | { readonly op: 'compare'; readonly selector: readonly Segment[]; readonly comparison: Comparison; readonly value: number | bigint }
  | { readonly op: 'like'; readonly selector: readonly Segment[]; readonly parts: readonly string[] }
  | { readonly op: 'not'; readonly statement: CompiledStatement }
  | { readonly op: 'and' | 'or'; readonly statements: readonly CompiledStatement[] }
  | { readonly op: 'all' | 'any'; readonly selector: readonly Segment[]; readonly statement: CompiledStatement };

export type CompiledPolicy = readonly CompiledStatement[];

const operators = '== != < <= > >= like and or not all any';

/** Splits a `like` pattern at its unescaped stars; `\*` becomes a literal star and `\\` a backslash. */
function splitPattern(pattern: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      current += pattern[i + 1];
      i++;
    } else if (c === '*') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Glob match of pre-split parts: the first part anchors the start, the last the end, the rest in order between. */
function matchParts(parts: readonly string[], text: string): boolean {
  const first = parts[0]!;
  if (parts.length === 1) return text === first;
  const last = parts[parts.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const found = text.indexOf(part, position);
    if (found === -1 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}

/** True when `text` matches the `like` pattern (exported for tests and for callers that build patterns). */
export function matchesLike(pattern: string, text: string): boolean {
  return matchParts(splitPattern(pattern), text);
}

function syntaxError(where: string, message: string, cause?: unknown): never {
  throw new PolicySyntaxError(`${where}: ${message}`, cause === undefined ? undefined : { cause });
}

function requireArity(statement: readonly unknown[], expected: number, shape: string, where: string): void {
  if (statement.length !== expected) {
    syntaxError(where, `"${String(statement[0])}" takes ${shape}, got ${statement.length - 1} argument(s)`);
  }
}

function selectorOf(statement: readonly unknown[], where: string): readonly Segment[] {
  try {
    return parseSelectorCached(statement[1]);
  } catch (error) {
    if (error instanceof PolicySyntaxError) syntaxError(where, error.message, error);
    throw error;
  }
}

function compileStatement(statement: unknown, where: string, depth: number): CompiledStatement {
  if (depth > maxIpldDepth) syntaxError(where, `policies nest at most ${maxIpldDepth} levels deep`);
  if (!Array.isArray(statement) || statement.length === 0) {
    syntaxError(where, 'a statement is a list such as ["==", ".path", "value"]');
  }
  const op: unknown = statement[0];
  switch (op) {
    case '==':
    case '!=': {
      requireArity(statement, 3, '[op, selector, value]', where);
      const problem = ipldValueProblem(statement[2]);
      if (problem !== null) syntaxError(where, `the value to compare with is not IPLD data: ${problem}`);
      return { op: 'eq', selector: selectorOf(statement, where), value: statement[2], negate: op === '!=' };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      requireArity(statement, 3, '[op, selector, number]', where);
      const value: unknown = statement[2];
      if (!(typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value)))) {
        syntaxError(where, `"${op}" compares with a number, got ${describeValue(value)}`);
      }
      return { op: 'compare', selector: selectorOf(statement, where), comparison: op, value };
    }
    case 'like': {
      requireArity(statement, 3, '[op, selector, pattern]', where);
      const pattern: unknown = statement[2];
      if (typeof pattern !== 'string') syntaxError(where, `"like" takes a string pattern, got ${typeof pattern}`);
      return { op: 'like', selector: selectorOf(statement, where), parts: splitPattern(pattern) };
    }
    case 'not':
      requireArity(statement, 2, '[op, statement]', where);
      return { op: 'not', statement: compileStatement(statement[1], `${where}[1]`, depth + 1) };
    case 'and':
    case 'or': {
      requireArity(statement, 2, '[op, [statement, …]]', where);
      const inner: unknown = statement[1];
      if (!Array.isArray(inner)) syntaxError(where, `"${op}" takes a list of statements, got ${typeof inner}`);
      const statements: CompiledStatement[] = [];
      for (let i = 0; i < inner.length; i++) statements.push(compileStatement(inner[i], `${where}[1][${i}]`, depth + 1));
      return { op, statements };
    }
    case 'all':
    case 'any':
      requireArity(statement, 3, '[op, selector, statement]', where);
      return { op, selector: selectorOf(statement, where), statement: compileStatement(statement[2], `${where}[2]`, depth + 1) };
    default:
      return syntaxError(where, `unknown operator ${describeValue(op)}; use one of ${operators}`);
  }
}

/** Compiles a policy, throwing a PolicySyntaxError that names the statement for anything malformed. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  if (!Array.isArray(policy)) {
    throw new PolicySyntaxError('a policy is a list of statements, for example [["==", ".path", "a.txt"]] or []');
  }
  const compiled: CompiledStatement[] = [];
  for (let i = 0; i < policy.length; i++) compiled.push(compileStatement(policy[i], `pol[${i}]`, 1));
  return compiled;
}

// Policies of decoded tokens are compiled once and reused while the payload lives; decoding freezes them, so the
// compiled form cannot go stale.
const compiledPolicies = new WeakMap<object, CompiledPolicy>();

export function compilePolicyCached(policy: Policy): CompiledPolicy {
  let compiled = compiledPolicies.get(policy);
  if (compiled === undefined) {
    compiled = compilePolicy(policy);
    compiledPolicies.set(policy, compiled);
  }
  return compiled;
}

function evaluateStatement(statement: CompiledStatement, input: unknown): boolean {
  switch (statement.op) {
    case 'eq': {
      const selected = resolveSelector(statement.selector, input);
      const equal = selected !== unresolved && ipldEquals(selected, statement.value);
      return statement.negate ? !equal : equal;
    }
    case 'compare': {
      const selected = resolveSelector(statement.selector, input);
      if (typeof selected !== 'number' && typeof selected !== 'bigint') return false;
      switch (statement.comparison) {
        case '<':
          return selected < statement.value;
        case '<=':
          return selected <= statement.value;
        case '>':
          return selected > statement.value;
        case '>=':
          return selected >= statement.value;
      }
      return false;
    }
    case 'like': {
      const selected = resolveSelector(statement.selector, input);
      return typeof selected === 'string' && matchParts(statement.parts, selected);
    }
    case 'not':
      return !evaluateStatement(statement.statement, input);
    case 'and':
      for (const inner of statement.statements) if (!evaluateStatement(inner, input)) return false;
      return true;
    case 'or':
      if (statement.statements.length === 0) return true;
      for (const inner of statement.statements) if (evaluateStatement(inner, input)) return true;
      return false;
    case 'all':
    case 'any': {
      const selected = resolveSelector(statement.selector, input);
      const elements = Array.isArray(selected) ? selected : isIpldMap(selected) ? Object.values(selected) : undefined;
      if (elements === undefined) return false;
      if (statement.op === 'all') {
        for (const element of elements) if (!evaluateStatement(statement.statement, element)) return false;
        return true;
      }
      for (const element of elements) if (evaluateStatement(statement.statement, element)) return true;
      return false;
    }
  }
}

/** Evaluates a compiled policy: true when every statement holds. */
export function evaluateCompiledPolicy(policy: CompiledPolicy, args: unknown): boolean {
  for (const statement of policy) if (!evaluateStatement(statement, args)) return false;
  return true;
}

/** Throws a clear error when `policy` is not a well-formed policy. */
export function validatePolicy(policy: unknown): asserts policy is Policy {
  compilePolicy(policy);
}

/** Evaluates `policy` on `args`; throws (only) when the policy itself is malformed. */
export function evaluatePolicy(policy: Policy, args: unknown): boolean {
  return evaluateCompiledPolicy(compilePolicy(policy), args);
}

/** The index of the first statement of `policy` that fails on `args`, or -1; for denial messages. */
export function firstFailingStatement(policy: CompiledPolicy, args: unknown): number {
  return policy.findIndex((statement) => !evaluateStatement(statement, args));
}
