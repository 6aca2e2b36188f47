// A git commit object as bytes (read as latin1, so that every byte survives whatever the message's encoding): the payload git signs (the object without its `gpgsig` header), the signature
// it carries, the `Signet-Invocation` trailer of its message, and the object id it gets once signed.
import { createHash } from 'node:crypto';

export const INVOCATION_TRAILER = 'Signet-Invocation';
const SIGNATURE_HEADERS = ['gpgsig', 'gpgsig-sha256'];

export interface SplitCommit {
  /** What was signed: the object with the signature header removed, exactly as git gives it to the signer. */
  payload: Buffer;
  /** The armored signature from `gpgsig`, or undefined for an unsigned commit. */
  signature: string | undefined;
  /** Unix seconds of the committer line, the time the commit claims to have been made. */
  committerTime: number | undefined;
  message: string;
}

/** Splits a raw commit object (`git cat-file commit X`) into its signed payload and its signature. */
export function splitCommitObject(object: Buffer): SplitCommit {
  const text = object.toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  const header = headerEnd < 0 ? text : text.slice(0, headerEnd + 1);
  const lines = header.split('\n');
  const kept: string[] = [];
  let signature: string[] | undefined;
  let inSignature = false;
  for (const line of lines) {
    if (inSignature && line.startsWith(' ')) {
      signature!.push(line.slice(1));
      continue;
    }
    inSignature = false;
    const name = line.slice(0, line.indexOf(' '));
    if (signature === undefined && SIGNATURE_HEADERS.includes(name)) {
      signature = [line.slice(name.length + 1)];
      inSignature = true;
      continue;
    }
    kept.push(line);
  }
  const payloadText = kept.join('\n') + (headerEnd < 0 ? '' : text.slice(headerEnd + 1));
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(header);
  return {
    payload: Buffer.from(payloadText, 'latin1'),
    signature: signature ? `${signature.join('\n')}\n` : undefined,
    committerTime: committer ? Number(committer[1]) : undefined,
    message: headerEnd < 0 ? '' : text.slice(headerEnd + 2),
  };
}

/**
 * The values of every `Signet-Invocation:` trailer in a commit message's last paragraph, as git's trailer
 * rules read them (a trailer block is the final run of `Key: value` lines).
 */
export function invocationTrailers(message: string): string[] {
  const paragraphs = message.replace(/\s+$/, '').split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs.at(-1) ?? '') : '';
  const found: string[] = [];
  for (const line of last.split('\n')) {
    const match = new RegExp(`^${INVOCATION_TRAILER}:\\s*(\\S+)\\s*$`, 'i').exec(line);
    if (match?.[1]) found.push(match[1]);
  }
  return found;
}

/** The message part of a payload (everything after the first blank line). */
export function messageOfPayload(payload: Buffer): string {
  const text = payload.toString('latin1');
  const end = text.indexOf('\n\n');
  return end < 0 ? '' : text.slice(end + 2);
}

/**
 * The object id the commit will have once `signature` is added to `payload`, as git adds it: a `gpgsig` header at
 * the end of the header, its continuation lines indented by one space. Lets the audit record name the commit's
 * hash before git has written it. SHA-1 repositories only: a SHA-256 repository signs and names objects differently.
 */
export function signedCommitId(payload: Buffer, signature: string): string {
  const text = payload.toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  const at = headerEnd < 0 ? text.length : headerEnd + 1;
  const header = `gpgsig ${signature.replace(/\n$/, '').split('\n').join('\n ')}\n`;
  const object = Buffer.from(text.slice(0, at) + header + text.slice(at), 'latin1');
  return createHash('sha1').update(`commit ${object.length}\0`).update(object).digest('hex');
}
