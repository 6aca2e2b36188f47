// The activity strip's data: per agent, how many calls were allowed, asked about and denied in each minute (or
// hour, for a longer log). Pure, so it is tested on 100,000 records under plain Node; main.ts draws it as SVG.

export type ActivityCount = 'allowed' | 'asked' | 'denied';

export interface ActivityBucket {
  /** ms since the epoch; the bucket covers [start, start + size). */
  start: number;
  allowed: number;
  asked: number;
  denied: number;
}

export interface ActivityRow {
  agent: string;
  buckets: ActivityBucket[];
  /** The largest total of one bucket in this row, for the bars' scale. */
  peak: number;
}

export interface ActivityStrip {
  /** 60,000 (a minute) or 3,600,000 (an hour). */
  bucketMs: number;
  /** The first bucket's start and the end of the last one. */
  from: number;
  to: number;
  rows: ActivityRow[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** More buckets than this would be thinner than a pixel in a narrow panel; the strip shows the latest ones. */
export const MAX_BUCKETS = 90;

function countOf(kind: string): ActivityCount | undefined {
  if (kind === 'authorize.allowed') return 'allowed';
  if (kind === 'approval.requested') return 'asked';
  if (kind === 'authorize.denied') return 'denied';
  return undefined;
}

/** Buckets the records' allows, asks and denials by agent and time; records without an agent are left out. */
export function activityStrip(records: readonly { time: string; agent: string | null; kind: string }[], agentName: (did: string) => string): ActivityStrip {
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    if (!r.agent || !countOf(r.kind)) continue;
    const t = Date.parse(r.time);
    if (Number.isNaN(t)) continue;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (first === Infinity) return { bucketMs: MINUTE, from: 0, to: 0, rows: [] };
  const bucketMs = last - first <= MAX_BUCKETS * MINUTE ? MINUTE : HOUR;
  const to = Math.floor(last / bucketMs) * bucketMs + bucketMs;
  const from = Math.max(Math.floor(first / bucketMs) * bucketMs, to - MAX_BUCKETS * bucketMs);
  const rows = new Map<string, ActivityRow>();
  for (const r of records) {
    const count = r.agent ? countOf(r.kind) : undefined;
    const t = Date.parse(r.time);
    if (!count || !r.agent || Number.isNaN(t) || t < from) continue;
    const agent = agentName(r.agent);
    let row = rows.get(agent);
    if (!row) {
      row = { agent, peak: 0, buckets: Array.from({ length: Math.round((to - from) / bucketMs) }, (_, i) => ({ start: from + i * bucketMs, allowed: 0, asked: 0, denied: 0 })) };
      rows.set(agent, row);
    }
    const bucket = row.buckets[Math.floor((t - from) / bucketMs)];
    if (bucket) bucket[count]++;
  }
  for (const row of rows.values()) row.peak = Math.max(0, ...row.buckets.map((b) => b.allowed + b.asked + b.denied));
  return { bucketMs, from, to, rows: [...rows.values()].sort((a, b) => a.agent.localeCompare(b.agent)) };
}

/** "coder, 10:42–10:43: 3 allowed, 1 asked, 0 denied", for screen readers and tooltips. */
export function bucketLabel(agent: string, bucket: ActivityBucket, bucketMs: number): string {
  const time = (ms: number) => new Date(ms).toISOString().slice(bucketMs >= HOUR ? 5 : 11, 16).replace('T', ' ');
  return `${agent}, ${time(bucket.start)}–${time(bucket.start + bucketMs)} UTC: ${bucket.allowed} allowed, ${bucket.asked} asked, ${bucket.denied} denied`;
}
