// The byte form of one audit record, and the strict check that a line has exactly that form.
//
// A record line is `JSON.stringify({seq, time, agent, kind, data})`: keys in that order, no spaces, one
// line, UTF-8. The Merkle leaf is those bytes without the newline, so the form must never vary: the
// parser accepts a line only if re-serialising what it parsed gives back the very same text.
import { isUtf8 } from 'node:buffer';
import { AuditKind, type AuditRecord } from '../server/protocol';

const KINDS: ReadonlySet<string> = new Set(AuditKind.options);
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEYS = ['seq', 'time', 'agent', 'kind', 'data'] as const;

/** A record larger than this is refused at append, so that readers can bound their line buffers. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export function isAuditKind(value: unknown): value is AuditKind {
  return typeof value === 'string' && KINDS.has(value);
}

/**
 * Builds the line for a record whose `data` is already serialised. Equivalent to
 * `JSON.stringify({seq, time, agent, kind, data})` and cheaper on the append path, where `data` is
 * serialised once, before a sequence number is known.
 */
export function recordLine(seq: number, time: string, agent: string | null, kind: AuditKind, dataJson: string): string {
  return `{"seq":${seq},"time":${JSON.stringify(time)},"agent":${JSON.stringify(agent)},"kind":${JSON.stringify(kind)},"data":${dataJson}}`;
}

export type ParsedRecord = { ok: true; record: AuditRecord } | { ok: false; reason: string; seq?: number };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one line (without its newline) and checks that it is a record in the exact byte form. */
export function parseRecordLine(line: Uint8Array): ParsedRecord {
  if (!isUtf8(line)) return { ok: false, reason: 'the line is not valid UTF-8' };
  const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the line is not JSON' };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'the line is not a JSON object' };
  const seq = value.seq;
  const seqKnown = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  const fail = (reason: string): ParsedRecord =>
    seqKnown === undefined ? { ok: false, reason } : { ok: false, reason, seq: seqKnown };

  const keys = Object.keys(value);
  if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i])) {
    return fail(`the keys are ${keys.join(',')}, not seq,time,agent,kind,data in that order`);
  }
  if (seqKnown === undefined) return fail('seq is not a non-negative integer');
  const { time, agent, kind, data } = value;
  if (typeof time !== 'string' || !TIME.test(time) || Number.isNaN(Date.parse(time))) {
    return fail('time is not an ISO 8601 UTC time with milliseconds');
  }
  if (agent !== null && (typeof agent !== 'string' || agent.length === 0)) return fail('agent is neither a DID nor null');
  if (!isAuditKind(kind)) return fail(`kind ${JSON.stringify(kind)} is not a known audit kind`);
  if (!isPlainObject(data)) return fail('data is not a JSON object');
  if (JSON.stringify(value) !== text) return fail('the line is not in canonical form (spacing, escapes or number format differ)');
  return { ok: true, record: { seq: seqKnown, time, agent, kind, data } };
}

const SEQ_PREFIX = Buffer.from('{"seq":');

/**
 * The sequence number at the start of a line in the record form, read without parsing the line. Only
 * for lines already known to be as written (their hash matches a trusted one); the rest need the parse.
 */
export function seqPrefix(line: Uint8Array): number | undefined {
  for (let i = 0; i < SEQ_PREFIX.length; i++) if (line[i] !== SEQ_PREFIX[i]) return undefined;
  let seq = 0;
  let i = SEQ_PREFIX.length;
  for (; i < line.length && i < SEQ_PREFIX.length + 16; i++) {
    const c = line[i] as number;
    if (c === 0x2c) return i > SEQ_PREFIX.length ? seq : undefined;
    if (c < 0x30 || c > 0x39) return undefined;
    seq = seq * 10 + (c - 0x30);
  }
  return undefined;
}
