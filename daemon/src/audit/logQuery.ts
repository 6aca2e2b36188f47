// Reading the log: matching records by streaming the file, seeking with the index where it covers the range, and
// reading a huge log's tail in growing windows from the end. Readers open the file themselves; the writer's
// handle is never shared.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditKind, AuditRecord } from '../server/protocol';
import { LOG_FILE } from './auditLogError';
import { LineReader } from './lineReader';
import { parseRecordLine } from './record';
import type { TreeStore } from './treeStore';

export interface AuditQuery {
  /** Matches the record's agent DID exactly (resolve names to DIDs before asking). */
  agent?: string;
  kind?: AuditKind;
  /** Only records with seq ≥ since. With `limit`, the first `limit` such records. */
  since?: number;
  /** Without `since`: the newest `limit` matching records. Results are always oldest first. */
  limit?: number;
}

/** What a query reads of the log: where it is, how much of it is durable, and how much the index covers. */
export interface QueryableLog {
  dir: string;
  /** Durable records. */
  known: number;
  /** Records the index covers (0 when the index is unusable). */
  indexed: number;
  /** Durable bytes of the log file. */
  bytes: number;
  store: TreeStore;
}

/** Reads matching records by streaming the file; results are oldest first (see AuditQuery). */
export async function queryLog(log: QueryableLog, filter: AuditQuery): Promise<AuditRecord[]> {
  const { since, limit } = filter;
  const { known, indexed } = log;
  if (since !== undefined) {
    if (since >= known) return [];
    // Seek with the index when it covers `since`; otherwise read from the last indexed record before it.
    const from = Math.min(since, indexed);
    return scan(log.dir, from > 0 ? log.store.recordStart(from) : 0, log.bytes, filter, limit);
  }
  if (limit === undefined) return scan(log.dir, 0, log.bytes, filter);
  if (indexed < known) {
    // Without a usable index: one pass, keeping the newest `limit` matches.
    const all = await scan(log.dir, 0, log.bytes, filter);
    return all.slice(Math.max(0, all.length - limit));
  }
  // The newest `limit` matches: read windows backwards from the end, each twice as long as the last,
  // so a tail of a huge log costs about what the tail holds.
  const parts: AuditRecord[][] = [];
  let found = 0;
  let hi = known;
  let window = Math.max(limit, 1024);
  while (hi > 0 && found < limit) {
    const lo = Math.max(0, hi - window);
    const part = await scan(log.dir, log.store.recordStart(lo), log.store.recordStart(hi), filter);
    parts.unshift(part);
    found += part.length;
    hi = lo;
    window *= 2;
  }
  const all = parts.flat();
  return all.slice(Math.max(0, all.length - limit));
}

/**
 * Every durable record whose line contains one of `needles` (byte strings such as `"kind":"delegation.revoked"`),
 * oldest first. One streaming pass; lines without a needle are not parsed. The daemon reads the states the log
 * certifies (revocations, used-up delegations) with it at start.
 */
export async function recordsMentioningIn(dir: string, bytes: number, needles: string[]): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  const fh = await open(join(dir, LOG_FILE), constants.O_RDONLY);
  try {
    const reader = new LineReader(fh, 0, bytes);
    for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
      for (let i = 0; i < chunk.starts.length; i++) {
        const line = chunk.data.subarray(chunk.starts[i], chunk.ends[i]);
        if (!needles.some((n) => line.indexOf(n) >= 0)) continue;
        const parsed = parseRecordLine(line);
        if (parsed.ok) out.push(parsed.record);
      }
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** Matching records among the complete lines of bytes [from, to), oldest first, at most `max`. */
async function scan(dir: string, from: number, to: number, filter: AuditQuery, max?: number): Promise<AuditRecord[]> {
  const { agent, kind, since } = filter;
  const needle = kind !== undefined ? `"kind":${JSON.stringify(kind)}` : undefined;
  const out: AuditRecord[] = [];
  const fh = await open(join(dir, LOG_FILE), constants.O_RDONLY);
  try {
    const reader = new LineReader(fh, from, to);
    for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
      for (let i = 0; i < chunk.starts.length; i++) {
        const line = chunk.data.subarray(chunk.starts[i], chunk.ends[i]);
        // A cheap byte test first: most lines of a filtered query are not parsed at all.
        if (needle !== undefined && line.indexOf(needle) < 0) continue;
        const parsed = parseRecordLine(line);
        if (!parsed.ok) continue;
        const r = parsed.record;
        if (since !== undefined && r.seq < since) continue;
        if (kind !== undefined && r.kind !== kind) continue;
        if (agent !== undefined && r.agent !== agent) continue;
        out.push(r);
        if (max !== undefined && out.length >= max) return out;
      }
    }
  } finally {
    await fh.close();
  }
  return out;
}
