// A process that appends to an audit log as fast as it can, for the crash tests in auditDurability.test.ts.
// It prints `ready` once the log is open, then `<seq> <run> <i>` for every append that was acknowledged
// (resolved, hence durable), and `failed <seq-or-dash> <message>` for every append that was refused.
// Writes to a pipe are synchronous on Linux, so a line printed is a line the parent will read even if
// this process is killed right after.
import { createHash } from 'node:crypto';
import { AuditLog } from '../../daemon/src/audit/auditLog';
import { createCheckpointSigner } from '../../daemon/src/audit/checkpoint';

const [dir, runText, concurrencyText] = process.argv.slice(2);
if (!dir || !runText) throw new Error('usage: auditCrashChild.ts DIR RUN [CONCURRENCY]');
const run = Number(runText);
const concurrency = Number(concurrencyText ?? 32);
const signer = createCheckpointSigner('signet.local/crash/test', createHash('sha256').update('audit crash test key').digest());

const log = await AuditLog.open(dir, { checkpointSigner: signer });
process.stdout.write('ready\n');
let next = 0;
let failures = 0;
function appendOne(): void {
  const i = next++;
  log.append({ agent: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', kind: 'authorize.allowed', data: { run, i, pad: 'x'.repeat(i % 200) } }).then(
    (record) => {
      process.stdout.write(`${record.seq} ${run} ${i}\n`);
      appendOne();
    },
    (error: Error) => {
      process.stdout.write(`failed ${i} ${error.message.replace(/\n/g, ' ')}\n`);
      // Keep trying a while so the parent sees that the log stays consistent across refusals.
      if (++failures < 50) setTimeout(appendOne, 1);
      else void log.close().then(() => process.exit(0));
    },
  );
}
for (let k = 0; k < concurrency; k++) appendOne();
