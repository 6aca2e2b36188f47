// Export of the audit log for teams that keep their records elsewhere: the exact record lines as JSON
// Lines (still verifiable, byte for byte), or OTLP log records sent to an OpenTelemetry collector.
import { once } from 'node:events';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { SeverityNumber } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { AuditRecord } from '../server/protocol';
import { LOG_FILE } from './auditLog';
import { LineReader, type LineChunk } from './lineReader';
import { parseRecordLine } from './record';

export interface ExportOptions {
  /** Only records with seq ≥ since. */
  since?: number;
}

export interface ExportResult {
  /** Records exported. */
  records: number;
  /** Lines skipped because they are not valid records (`signet audit verify` says why). */
  skipped: number;
}

async function forEachRecordChunk(
  dir: string,
  since: number,
  onChunk: (chunk: LineChunk, records: { line: Buffer; record: AuditRecord }[]) => Promise<void>,
): Promise<ExportResult> {
  const fh = await open(join(dir, LOG_FILE), constants.O_RDONLY);
  let records = 0;
  let skipped = 0;
  try {
    const reader = new LineReader(fh);
    for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
      const batch: { line: Buffer; record: AuditRecord }[] = [];
      for (let i = 0; i < chunk.starts.length; i++) {
        const line = chunk.data.subarray(chunk.starts[i], chunk.ends[i]);
        const parsed = parseRecordLine(line);
        if (!parsed.ok) {
          skipped++;
          continue;
        }
        if (parsed.record.seq < since) continue;
        batch.push({ line, record: parsed.record });
      }
      records += batch.length;
      await onChunk(chunk, batch);
    }
  } finally {
    await fh.close();
  }
  return { records, skipped };
}

/** Every valid record from seq `since` on, in order (for reports; a torn last line is left out). */
export async function readRecords(dir: string, since = 0): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  await forEachRecordChunk(dir, since, async (_chunk, batch) => {
    for (const { record } of batch) records.push(record);
  });
  return records;
}

/** Writes the record lines, unchanged, to `out` (with backpressure). A torn last line is left out. */
export async function exportJsonl(dir: string, out: Writable, opts: ExportOptions = {}): Promise<ExportResult> {
  return forEachRecordChunk(dir, opts.since ?? 0, async (_chunk, batch) => {
    if (batch.length === 0) return;
    // The chunk buffer is reused by the next read, so the lines are copied into the write.
    const parts: Buffer[] = [];
    for (const { line } of batch) parts.push(line, NEWLINE);
    // `once` rejects if the stream fails while we wait for it to drain.
    if (!out.write(Buffer.concat(parts))) await once(out, 'drain');
  });
}

const NEWLINE = Buffer.from('\n');

export interface OtlpExportOptions extends ExportOptions {
  /** The OTLP/HTTP logs endpoint, e.g. `http://collector:4318/v1/logs`. */
  endpoint: string;
  headers?: Record<string, string>;
  /** Records per export request (default 512). */
  batchSize?: number;
  /** Per request (default 10 s). */
  timeoutMillis?: number;
}

function severityOf(record: AuditRecord, levels: typeof SeverityNumber): { number: SeverityNumber; text: string } {
  return record.kind === 'authorize.denied' || record.kind === 'log.truncated'
    ? { number: levels.WARN, text: 'WARN' }
    : { number: levels.INFO, text: 'INFO' };
}

/**
 * Sends every record to an OpenTelemetry collector as an OTLP log record (JSON over HTTP): body = the
 * exact record line, attributes `signet.audit.seq`, `signet.audit.kind`, `signet.audit.agent` (when the
 * record is about an agent), timestamp = the record's time, event name `signet.audit.<kind>`.
 * Batches are sent one at a time and each must be accepted, so a collector that refuses or cannot be
 * reached fails the export with the cause instead of dropping records.
 */
export async function exportOtlp(dir: string, opts: OtlpExportOptions): Promise<ExportResult> {
  // OpenTelemetry is loaded only when exporting: it is large, and the daemon and CLI rarely need it.
  const [{ SeverityNumber: levels }, { ExportResultCode }, { OTLPLogExporter }, { resourceFromAttributes }, { LoggerProvider }] = await Promise.all([
    import('@opentelemetry/api-logs'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-logs-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-logs'),
  ]);
  const exporter = new OTLPLogExporter({
    url: opts.endpoint,
    headers: opts.headers ?? {},
    timeoutMillis: opts.timeoutMillis ?? 10_000,
  });
  const emitted: SdkLogRecord[] = [];
  // The SDK's batch processor drops records when its queue is full and hides export failures; this
  // processor only collects, and the loop below exports and waits for each batch itself.
  const collector: LogRecordProcessor = {
    onEmit: (record) => {
      emitted.push(record);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'signet', 'signet.audit.log': dir }),
    processors: [collector],
  });
  const logger = provider.getLogger('signet.audit');
  const batchSize = Math.max(1, opts.batchSize ?? 512);
  let sent = 0;
  const send = async (): Promise<void> => {
    while (emitted.length > 0) {
      const batch = emitted.splice(0, batchSize);
      await new Promise<void>((resolve, reject) => {
        exporter.export(batch, (result) => {
          if (result.code === ExportResultCode.SUCCESS) resolve();
          else {
            reject(
              new Error(
                `the OTLP collector at ${opts.endpoint} did not accept records ${sent}…${sent + batch.length - 1} ` +
                  `(${result.error?.message ?? 'export failed'}); check the endpoint URL and that the collector is running`,
                { cause: result.error },
              ),
            );
          }
        });
      });
      sent += batch.length;
    }
  };
  try {
    const result = await forEachRecordChunk(dir, opts.since ?? 0, async (_chunk, batch) => {
      for (const { line, record } of batch) {
        const severity = severityOf(record, levels);
        const attributes: Record<string, string | number> = {
          'signet.audit.seq': record.seq,
          'signet.audit.kind': record.kind,
        };
        if (record.agent !== null) attributes['signet.audit.agent'] = record.agent;
        logger.emit({
          timestamp: new Date(record.time),
          severityNumber: severity.number,
          severityText: severity.text,
          eventName: `signet.audit.${record.kind}`,
          body: line.toString('utf8'),
          attributes,
        });
      }
      if (emitted.length >= batchSize) await send();
    });
    await send();
    return result;
  } finally {
    await provider.shutdown().catch(() => {});
    await exporter.shutdown().catch(() => {});
  }
}
