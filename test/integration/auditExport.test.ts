// Export of the audit log: JSON Lines byte for byte, and OTLP/HTTP to a real receiver on the loopback.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { AuditLog } from '../../daemon/src/audit/auditLog';
import { createCheckpointSigner } from '../../daemon/src/audit/checkpoint';
import { exportJsonl, exportOtlp } from '../../daemon/src/audit/export';
import type { AuditRecord } from '../../daemon/src/server/protocol';

const AGENT = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const signer = createCheckpointSigner('signet.local/export/test', createHash('sha256').update('audit export test key').digest());
const COUNT = 1200;
let root: string;
let dir: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'signet-export-'));
  dir = join(root, 'audit');
  const log = await AuditLog.open(dir, { checkpointSigner: signer });
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      log.append({
        agent: i % 3 === 0 ? null : AGENT,
        kind: i % 4 === 0 ? 'authorize.denied' : 'authorize.allowed',
        data: { i, tool: 'write_file', path: `/repo/src/file${i}.ts`, note: 'ünïcode ✓' },
      }),
    ),
  );
  await log.close();
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A collector of writes, so the test sees exactly the bytes the export produced. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

test('the JSON Lines export is the record lines byte for byte, without a torn last line', async () => {
  const copy = join(root, 'jsonl');
  const original = await readFile(join(dir, 'audit.log'), 'utf8');
  await import('node:fs/promises').then((fs) => fs.cp(dir, copy, { recursive: true }));
  await appendFile(join(copy, 'audit.log'), '{"seq":1200,"time":"2026');
  const out = sink();
  const result = await exportJsonl(copy, out.stream);
  assert.deepEqual(result, { records: COUNT, skipped: 0 });
  assert.equal(out.text(), original);

  const tail = sink();
  const since = await exportJsonl(dir, tail.stream, { since: 1195 });
  assert.equal(since.records, 5);
  assert.deepEqual(tail.text().trimEnd().split('\n').map((l) => (JSON.parse(l) as AuditRecord).seq), [1195, 1196, 1197, 1198, 1199]);
});

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpLogRecord {
  timeUnixNano: string | number;
  severityText?: string;
  eventName?: string;
  body: OtlpAnyValue;
  attributes: { key: string; value: OtlpAnyValue }[];
}
interface OtlpRequest {
  resourceLogs: { resource: { attributes: { key: string; value: OtlpAnyValue }[] }; scopeLogs: { scope: { name: string }; logRecords: OtlpLogRecord[] }[] }[];
}

/** A minimal OTLP/HTTP logs receiver: decodes the JSON body of each POST to /v1/logs. */
async function startReceiver(status = 200): Promise<{ server: Server; url: string; requests: OtlpRequest[]; contentTypes: string[] }> {
  const requests: OtlpRequest[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/logs') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(req.headers['content-type'] ?? '');
      if (status === 200) requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"code":3,"message":"rejected by the test"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/v1/logs`, requests, contentTypes };
}

const attribute = (r: OtlpLogRecord, key: string): OtlpAnyValue | undefined => r.attributes.find((a) => a.key === key)?.value;

test('the OTLP export delivers every record to a real receiver with seq, kind and agent attributes', async () => {
  const receiver = await startReceiver();
  try {
    const result = await exportOtlp(dir, { endpoint: receiver.url, batchSize: 500 });
    assert.deepEqual(result, { records: COUNT, skipped: 0 });
    assert.equal(receiver.requests.length, 3);
    assert.ok(receiver.contentTypes.every((t) => t.startsWith('application/json')));
    const received = receiver.requests.flatMap((r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords)));
    assert.equal(received.length, COUNT);
    const resource = receiver.requests[0]?.resourceLogs[0]?.resource.attributes.find((a) => a.key === 'service.name');
    assert.equal(resource?.value.stringValue, 'signet');

    const lines = (await readFile(join(dir, 'audit.log'), 'utf8')).split('\n').slice(0, -1);
    received.forEach((r, index) => {
      const record = JSON.parse(lines[index] as string) as AuditRecord;
      assert.equal(Number(attribute(r, 'signet.audit.seq')?.intValue), record.seq);
      assert.equal(attribute(r, 'signet.audit.kind')?.stringValue, record.kind);
      assert.equal(attribute(r, 'signet.audit.agent')?.stringValue, record.agent ?? undefined);
      assert.equal(r.body.stringValue, lines[index]);
      assert.equal(BigInt(r.timeUnixNano), BigInt(Date.parse(record.time)) * 1_000_000n);
      assert.equal(r.severityText, record.kind === 'authorize.denied' ? 'WARN' : 'INFO');
    });
  } finally {
    receiver.server.closeAllConnections();
    receiver.server.close();
  }
});

test('an OTLP collector that refuses the records fails the export with the endpoint and the cause', async () => {
  const receiver = await startReceiver(400);
  try {
    await assert.rejects(exportOtlp(dir, { endpoint: receiver.url, batchSize: 500 }), (error: Error) => {
      assert.match(error.message, new RegExp(`collector at ${receiver.url.replace(/[.]/g, '\\.')} did not accept records 0…499`));
      assert.match(error.message, /check the endpoint URL/);
      return true;
    });
    assert.equal(receiver.contentTypes.length, 1, 'nothing is sent after the first refusal');
  } finally {
    receiver.server.closeAllConnections();
    receiver.server.close();
  }
});
