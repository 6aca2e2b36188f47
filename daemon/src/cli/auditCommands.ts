// `signet audit verify | checkpoint | export | prove`: checking and moving the audit log. Verify and
// export read the log files directly, so they work with the daemon stopped (and on a copy of the log).
import type { Command } from 'commander';
import { createWriteStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_FILE } from '../audit/auditLog';
import { AuditLog } from '../audit/auditLog';
import { checkpointOrigin, createCheckpointSigner, formatVerifierKey, type CheckpointSigner } from '../audit/checkpoint';
import { exportJsonl, exportOtlp } from '../audit/export';
import { formatVerifyReport, verifyLog } from '../audit/verify';
import { acquireDaemonLock, homePaths, loadConfig } from '../home/signetHome';
import { checkpointAnchorIn } from '../keys/logAnchor';
import { readLogKey } from '../keys/logKey';
import { openSecretStore } from '../keys/openSecretStore';
import { CliError, connectToDaemon } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

/** The verifier key of a home's log, from its public user DID and the log key in the keystore. */
export async function verifierKeyOf(home: string): Promise<string> {
  const signer = await checkpointSignerOf(home);
  return formatVerifierKey(signer.keyName, signer.publicKey);
}

async function checkpointSignerOf(home: string): Promise<CheckpointSigner> {
  let userDid: string;
  try {
    userDid = (JSON.parse(await readFile(homePaths(home).identities, 'utf8')) as { user: { did: string } }).user.did;
  } catch (error) {
    throw new CliError(`cannot read ${homePaths(home).identities}: is ${home} a Signet home?`, ExitCode.Error, { cause: error });
  }
  const config = await loadConfig(home);
  let seed: Uint8Array | undefined;
  try {
    seed = await readLogKey(openSecretStore({ kind: config.keystore, home }), home);
  } catch (error) {
    throw new CliError(`cannot read the log key: ${(error as Error).message} (or pass --key)`, ExitCode.KeystoreUnavailable, { cause: error });
  }
  if (!seed) throw new CliError('the keystore holds no log key for this home; pass the verifier key with --key', ExitCode.KeystoreUnavailable);
  return createCheckpointSigner(checkpointOrigin(userDid, home), seed);
}

/** The checkpoint anchored in the home's keystore (see keys/logAnchor.ts), or null when there is none. */
export async function anchoredCheckpointOf(home: string): Promise<{ text: string; source: string } | null> {
  const store = openSecretStore({ kind: (await loadConfig(home)).keystore, home });
  const anchor = checkpointAnchorIn(store, home);
  const text = await anchor.read();
  return text === null ? null : { text, source: `the checkpoint anchored in ${anchor.describe()}` };
}

export function registerAuditCommands(audit: Command, globals: Globals): void {
  registerAuditVerifyCommand(audit, globals);
  registerAuditReanchorCommand(audit, globals);
  registerAuditCheckpointCommand(audit, globals);
  registerAuditProveCommand(audit, globals);
  registerAuditExportCommand(audit, globals);
}

function registerAuditVerifyCommand(audit: Command, globals: Globals): void {
  audit
    .command('verify')
    .description('recompute the Merkle tree over every record and check every checkpoint (exit 6 on any problem)')
    .option('--checkpoint <file...>', 'saved checkpoints (signet audit checkpoint > FILE) the log must still extend')
    .option('--key <verifierKey>', 'the log verifier key; default: derived from this home and its keystore')
    .option('--dir <dir>', 'verify a copy of the log in this folder instead of the home’s')
    .option('--no-anchor', 'do not compare with the checkpoint anchored in the keystore')
    .action(async (opts: { checkpoint?: string[]; key?: string; dir?: string; anchor: boolean }) => {
      const { json, home } = globals();
      const verifierKey = opts.key ?? (await verifierKeyOf(home));
      const checkpoints: (string | { text: string; source: string })[] = (opts.checkpoint ?? []).map((file) => ({ text: readFileSync(file, 'utf8'), source: file }));
      const notes: string[] = [];
      let anchored: { text: string; source: string } | null = null;
      if (opts.anchor) {
        try {
          anchored = await anchoredCheckpointOf(home);
        } catch (error) {
          // With --key the log may be a copy from elsewhere; without it the keystore was readable a moment ago.
          if (!opts.key) throw new CliError(`cannot read the anchored checkpoint: ${(error as Error).message} (or pass --no-anchor)`, ExitCode.KeystoreUnavailable, { cause: error });
          notes.push(`the anchored checkpoint could not be read (${(error as Error).message})`);
        }
        if (anchored) checkpoints.push(anchored);
      }
      const dir = opts.dir ?? homePaths(home).auditDir;
      const result = await verifyLog(dir, { verifierKey, checkpoints });
      result.notes.push(...notes);
      if (opts.anchor && !anchored && !opts.dir && !opts.key && result.records > 0) {
        // Records and no anchor: the keychain entry was removed (or the log predates anchors and was never opened since).
        result.ok = false;
        result.problems.push({ seq: null, kind: 'unanchored', message: `the keystore holds no anchored checkpoint for this log of ${result.records} records, so a rewritten history cannot be told from the original; \`signet audit reanchor\` anchors the log as it is` });
      }
      process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatVerifyReport(result)}\n`);
      if (!result.ok) process.exitCode = ExitCode.VerificationFailed;
    });
}

function registerAuditReanchorCommand(audit: Command, globals: Globals): void {
  audit
    .command('reanchor')
    .description('with the daemon stopped: accept the log as it is now after it no longer extends its anchor, recording what is lost')
    .action(async () => {
      const { json, home } = globals();
      const lock = acquireDaemonLock(home);
      try {
        const signer = await checkpointSignerOf(home);
        const verifierKey = formatVerifierKey(signer.keyName, signer.publicKey);
        const store = openSecretStore({ kind: (await loadConfig(home)).keystore, home });
        const anchor = checkpointAnchorIn(store, home);
        const anchored = await anchor.read();
        const dir = homePaths(home).auditDir;
        const before = await verifyLog(dir, { verifierKey, checkpoints: anchored ? [{ text: anchored, source: `the checkpoint anchored in ${anchor.describe()}` }] : [] });
        if (before.ok && anchored) {
          const report = { reanchored: false, records: before.records, reason: 'the log extends its anchor and every checkpoint; nothing to do' };
          process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `nothing to reanchor: the log of ${before.records} records extends its anchor\n`);
          return;
        }
        const log = await AuditLog.open(dir, { checkpointSigner: signer, anchor, reanchor: true });
        const previous = log.previousAnchor;
        const lost = before.problems.map(({ seq, kind, message }) => ({ seq, kind, message }));
        const lostSummary = previous
          ? `the anchored checkpoint of ${previous.size} records is replaced by the log as it is now (${log.size} records); ` +
            (lost.length ? `${lost.length} problem(s) show what can no longer be proven as first written` : 'the log itself shows no edit, only its checkpoints were missing')
          : `no anchored checkpoint was there; the log as it is now (${log.size} records) is anchored without proof that it was never rewritten`;
        const record = await log.append({
          agent: null,
          kind: 'log.reanchored',
          data: {
            previous: previous ? { size: previous.size, rootHash: Buffer.from(previous.rootHash).toString('base64') } : null,
            records: log.size,
            lost: lostSummary,
            problems: lost.slice(0, 20),
            problemCount: lost.length,
          },
        });
        await log.close();
        const report = { reanchored: true, seq: record.seq, previous: record.data.previous, records: log.size, lost: lostSummary, problems: lost };
        process.stdout.write(
          json
            ? `${JSON.stringify(report, null, 2)}\n`
            : [`reanchored the audit log (recorded as seq ${record.seq}): ${lostSummary}`, ...lost.map((p) => `  lost: ${p.kind}${p.seq === null ? '' : ` (seq ${p.seq})`}: ${p.message}`)].join('\n') + '\n',
        );
      } finally {
        lock.release();
      }
    });
}

function registerAuditCheckpointCommand(audit: Command, globals: Globals): void {
  audit
    .command('checkpoint')
    .description('print the latest signed checkpoint; save it to prove later that the log was only appended to')
    .action(async () => {
      const { json, home } = globals();
      let note: string;
      let verifierKey: string | undefined;
      try {
        const client = await connectToDaemon(home, 'ui');
        try {
          ({ checkpoint: note, verifierKey } = await client.request('audit/checkpoint', {}));
        } finally {
          client.close();
        }
      } catch (error) {
        if (!(error instanceof CliError) || error.exitCode !== ExitCode.DaemonNotRunning) throw error;
        // With the daemon stopped, the last checkpoint it wrote is the current one.
        note = await readFile(join(homePaths(home).auditDir, CHECKPOINT_FILE), 'utf8').catch(() => {
          throw new CliError('no checkpoint yet: the log has never been written', ExitCode.Error);
        });
      }
      process.stdout.write(json ? `${JSON.stringify({ checkpoint: note, verifierKey }, null, 2)}\n` : note);
    });
}

function registerAuditProveCommand(audit: Command, globals: Globals): void {
  audit
    .command('prove')
    .description('print an RFC 9162 inclusion proof for a record, or a consistency proof between two sizes')
    .option('--seq <n>', 'the record to prove included', (v) => Number.parseInt(v, 10))
    .option('--from <size>', 'the older tree size for a consistency proof', (v) => Number.parseInt(v, 10))
    .option('--to <size>', 'the newer tree size (default: now)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { seq?: number; from?: number; to?: number }) => {
      const { home } = globals();
      if ((opts.seq === undefined) === (opts.from === undefined)) throw new CliError('give either --seq or --from', ExitCode.Usage);
      const client = await connectToDaemon(home, 'ui');
      try {
        const proof =
          opts.seq !== undefined
            ? await client.request('audit/proveInclusion', { seq: opts.seq })
            : await client.request('audit/proveConsistency', { from: opts.from as number, ...(opts.to !== undefined ? { to: opts.to } : {}) });
        process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
      } finally {
        client.close();
      }
    });
}

function registerAuditExportCommand(audit: Command, globals: Globals): void {
  audit
    .command('export')
    .description('export the records as JSON lines, or to an OpenTelemetry collector over OTLP/HTTP')
    .option('--format <format>', 'jsonl', 'jsonl')
    .option('--otlp-endpoint <url>', 'send to this OTLP/HTTP logs endpoint instead, e.g. http://localhost:4318/v1/logs')
    .option('--since <seq>', 'only records with seq ≥ this', (v) => Number.parseInt(v, 10))
    .option('--out <file>', 'write JSON lines to this file instead of stdout')
    .action(async (opts: { format: string; otlpEndpoint?: string; since?: number; out?: string }) => {
      const { home } = globals();
      const dir = homePaths(home).auditDir;
      const since = opts.since !== undefined ? { since: opts.since } : {};
      if (opts.otlpEndpoint) {
        const result = await exportOtlp(dir, { endpoint: opts.otlpEndpoint, ...since });
        process.stderr.write(`exported ${result.records} record(s) to ${opts.otlpEndpoint}${result.skipped ? `; skipped ${result.skipped} damaged line(s)` : ''}\n`);
        return;
      }
      if (opts.format !== 'jsonl') throw new CliError(`unknown format "${opts.format}"; use jsonl or --otlp-endpoint`, ExitCode.Usage);
      const out = opts.out ? createWriteStream(opts.out, { mode: 0o600 }) : process.stdout;
      const result = await exportJsonl(dir, out, since);
      if (opts.out) await new Promise((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
      process.stderr.write(`exported ${result.records} record(s)${result.skipped ? `; skipped ${result.skipped} damaged line(s)` : ''}\n`);
    });
}
