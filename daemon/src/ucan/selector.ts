// Policy selectors (delegation spec, "Selectors"): a jq-like path into the invocation `args`.
//
// Grammar, as implemented:
//   selector := "." opt                      identity (".?" is the same: identity cannot fail)
//             | "." field opt segment*       ".from", ".to[0]"
//             | "." bracket opt segment*     ".[0]", ".[\"key\"]", ".[]"
//   segment  := "." field opt | bracket opt
//   field    := one letter, "_" or "$", then letters, digits, "_", "$" or "-"
//   bracket  := "[]" | "[" int "]" | "[" int? ":" int? "]" (not both empty) | "[" JSON string "]"
//   opt      := "?"*                         repeated optionals are one optional
// A dot is always followed by a field name, so ".." and "..." (recursive descent in jq) and a trailing dot are
// syntax errors, as is any whitespace.
//
// Resolution, left to right:
//   - a field on a map gives its value, or null when the key is missing (the spec's rule); on anything else the
//     selector fails;
//   - an index or slice applies to lists and to bytes (bytes are a list of u8, so ".[3]" on bytes is a number and
//     a slice of bytes is bytes); negative positions count from the end; slices clamp to the length like jq's;
//     strings are not sliceable (the spec names lists);
//   - "[]" turns a list (or bytes) into its elements and a map into its values. When more segments follow, they
//     are applied to every element and the results form a list, so ".files[].path" is the list of every path.
//     If any element cannot resolve the rest of the path, the whole selector fails: an element silently dropped
//     would escape an `all` that was meant to check it;
//   - an optional segment that fails gives null instead of failing; a failure in a later, non-optional segment
//     still fails, and a failure stops resolution even when a later segment is optional.
import { PolicySyntaxError } from './errors';
import { isIpldMap } from './ipld';

export type Segment =
  | { readonly kind: 'field'; readonly key: string; readonly optional: boolean }
  | { readonly kind: 'index'; readonly index: number; readonly optional: boolean }
  | { readonly kind: 'slice'; readonly start: number | null; readonly end: number | null; readonly optional: boolean }
  | { readonly kind: 'values'; readonly optional: boolean };

/** Returned by `resolveSelector` when the path does not exist in the value. */
export const unresolved: unique symbol = Symbol('unresolved');

const fieldName = /[\p{L}_$][\p{L}\p{M}\p{N}_$-]*/uy;
const fieldStart = /[\p{L}_$]/u;
const indexPattern = /^-?(?:0|[1-9][0-9]*)$/;
const slicePattern = /^(-?(?:0|[1-9][0-9]*))?:(-?(?:0|[1-9][0-9]*))?$/;

class SelectorParser {
  position = 1;
  readonly segments: Segment[] = [];

  constructor(private readonly text: string) {}

  fail(message: string, at: number): never {
    throw new PolicySyntaxError(`invalid selector ${JSON.stringify(this.text)} at character ${at + 1}: ${message}`);
  }

  optional(): boolean {
    const start = this.position;
    while (this.text[this.position] === '?') this.position++;
    return this.position > start;
  }

  field(): void {
    fieldName.lastIndex = this.position;
    const match = fieldName.exec(this.text);
    if (match === null) this.fail('expected a field name after "."; quote other keys as .["key"]', this.position);
    this.position += match[0].length;
    this.segments.push({ kind: 'field', key: match[0], optional: this.optional() });
  }

  bracket(): void {
    const text = this.text;
    const open = this.position;
    this.position++; // "["
    if (text[this.position] === '"') {
      // A JSON string: find its closing quote, skipping escaped characters.
      let end = this.position + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) this.fail('unterminated string key', open);
      let key: unknown;
      try {
        key = JSON.parse(text.slice(this.position, end + 1));
      } catch {
        this.fail('the key is not a valid JSON string', open);
      }
      this.position = end + 1;
      if (text[this.position] !== ']') this.fail('expected "]" after the string key', this.position);
      this.position++;
      this.segments.push({ kind: 'field', key: key as string, optional: this.optional() });
      return;
    }
    const close = text.indexOf(']', this.position);
    if (close === -1) this.fail('unterminated "["', open);
    const body = text.slice(this.position, close);
    this.position = close + 1;
    if (body === '') {
      this.segments.push({ kind: 'values', optional: this.optional() });
      return;
    }
    if (indexPattern.test(body)) {
      const index = Number(body);
      if (!Number.isSafeInteger(index)) this.fail(`the index ${body} is too large`, open);
      this.segments.push({ kind: 'index', index, optional: this.optional() });
      return;
    }
    const slice = slicePattern.exec(body);
    if (slice !== null && (slice[1] !== undefined || slice[2] !== undefined)) {
      const start = slice[1] === undefined ? null : Number(slice[1]);
      const end = slice[2] === undefined ? null : Number(slice[2]);
      if ((start !== null && !Number.isSafeInteger(start)) || (end !== null && !Number.isSafeInteger(end))) {
        this.fail(`the slice bounds in [${body}] are too large`, open);
      }
      this.segments.push({ kind: 'slice', start, end, optional: this.optional() });
      return;
    }
    this.fail(`"[${body}]" is not [], [index], [start:end] or ["key"]`, open);
  }

  parse(): Segment[] {
    const text = this.text;
    if (text.length === 0) this.fail('a selector is never empty; use "." for the whole argument', 0);
    if (text[0] !== '.') this.fail('a selector begins with "." (for example ".path" or ".[0]")', 0);
    // Right after the leading dot: nothing, an optional mark, a field name or a bracket.
    if (this.position < text.length) {
      const c = text[this.position]!;
      if (c === '?') this.optional();
      else if (c === '.') this.fail('".." (recursive descent) is not part of UCAN selectors', this.position);
      else if (c === '[') this.bracket();
      else if (fieldStart.test(c)) this.field();
      else this.fail(`unexpected ${JSON.stringify(c)}`, this.position);
    }
    while (this.position < text.length) {
      const c = text[this.position]!;
      if (c === '.') {
        this.position++;
        if (this.position >= text.length) this.fail('a selector does not end with "." after a segment', this.position - 1);
        if (text[this.position] === '.') this.fail('".." (recursive descent) is not part of UCAN selectors', this.position - 1);
        this.field();
      } else if (c === '[') {
        this.bracket();
      } else {
        this.fail(`unexpected ${JSON.stringify(c)}`, this.position);
      }
    }
    return this.segments;
  }
}

export function parseSelector(selector: unknown): Segment[] {
  if (typeof selector !== 'string') {
    throw new PolicySyntaxError(`a selector must be a string such as ".path", got ${typeof selector}`);
  }
  return new SelectorParser(selector).parse();
}

// Policies repeat the same few selectors, and every token's policy is compiled when it is decoded, so parsed
// selectors are kept (bounded, oldest dropped first). Segments are never modified after parsing.
const maxCachedSelectors = 4096;
const parsedSelectors = new Map<string, readonly Segment[]>();

export function parseSelectorCached(selector: unknown): readonly Segment[] {
  if (typeof selector === 'string') {
    const hit = parsedSelectors.get(selector);
    if (hit !== undefined) return hit;
  }
  const segments = parseSelector(selector);
  if (parsedSelectors.size >= maxCachedSelectors) {
    const oldest = parsedSelectors.keys().next().value;
    if (oldest !== undefined) parsedSelectors.delete(oldest);
  }
  parsedSelectors.set(selector as string, segments);
  return segments;
}

function clamp(position: number | null, fallback: number, length: number): number {
  if (position === null) return fallback;
  const absolute = position < 0 ? length + position : position;
  return absolute < 0 ? 0 : absolute > length ? length : absolute;
}

/** The value the segments select in `input`, or `unresolved`. */
export function resolveSelector(segments: readonly Segment[], input: unknown, from = 0): unknown {
  let current = input;
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i]!;
    let next: unknown = unresolved;
    switch (segment.kind) {
      case 'field':
        if (isIpldMap(current)) next = Object.hasOwn(current, segment.key) ? current[segment.key] : null;
        break;
      case 'index':
        if (Array.isArray(current) || current instanceof Uint8Array) {
          const index = segment.index < 0 ? current.length + segment.index : segment.index;
          if (index >= 0 && index < current.length) next = current[index];
        }
        break;
      case 'slice':
        if (Array.isArray(current) || current instanceof Uint8Array) {
          const start = clamp(segment.start, 0, current.length);
          const end = clamp(segment.end, current.length, current.length);
          next = current.slice(start, end > start ? end : start);
        }
        break;
      case 'values': {
        const children = Array.isArray(current)
          ? current
          : current instanceof Uint8Array
            ? Array.from(current)
            : isIpldMap(current)
              ? Object.values(current)
              : undefined;
        if (children === undefined) break;
        if (i === segments.length - 1) return children;
        const results = new Array<unknown>(children.length);
        for (let k = 0; k < children.length; k++) {
          const result = resolveSelector(segments, children[k], i + 1);
          if (result === unresolved) return unresolved;
          results[k] = result;
        }
        return results;
      }
    }
    if (next === unresolved) {
      if (!segment.optional) return unresolved;
      next = null;
    }
    current = next;
  }
  return current;
}
