// Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, signed with an Ed25519 log key.
//
//   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key ID ‖ signature)>\n
//
// The key ID is SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] and the verifier key string is
// `<name>+<hex key ID>+<base64(0x01 ‖ public key)>` (signed-note §Verifier keys). Verification follows the
// note rules: signatures by unknown keys are ignored, a known key's signature must verify, and a note
// with no verified signature from the given key is rejected.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { Point } from '@noble/ed25519';
import { verifyEd25519 } from '../ucan/ed25519';
import { ed25519Implementation } from '../ucan/ed25519Implementation';
import { HASH_SIZE } from './merkle';

/** What the audit log needs to sign checkpoints. The daemon keeps the key in the keychain. */
export interface CheckpointSigner {
  /** The signed-note key name; by convention the same as the checkpoint origin. */
  keyName: string;
  /** Ed25519 signature over the message. */
  sign(message: Uint8Array): Uint8Array;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Extension lines (this log writes none; other logs may). */
  extensions: string[];
}

export interface NoteSignature {
  keyName: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface VerifierKey {
  keyName: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  /** The key as text, as parsed or formatted. */
  text: string;
}

/** Any checkpoint or note that is malformed, or whose signature does not verify. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const ED25519_TYPE = 0x01;
const EM_DASH_PREFIX = '\u2014 ';
/** Notes larger than this are refused before parsing (far above 16 signatures of any kind). */
const MAX_NOTE_BYTES = 256 * 1024;
const MAX_SIGNATURES = 100;

function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

function strictBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (text.length === 0 || bytes.toString('base64') !== text) throw new CheckpointError(`${what} is not standard base64`);
  return bytes;
}

/** SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
export function keyIdFor(keyName: string, publicKey: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(keyName, 'utf8')
    .update(Uint8Array.of(0x0a, ED25519_TYPE))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

function assertUsablePublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== 32) throw new CheckpointError(`an Ed25519 public key is 32 bytes, not ${publicKey.length}`);
  let smallOrder: boolean;
  try {
    smallOrder = Point.fromBytes(publicKey).isSmallOrder();
  } catch (error) {
    throw new CheckpointError('the public key is not a valid Ed25519 point', { cause: error });
  }
  // A small-order key accepts forged signatures for any message (see testing-recipes.md), so it can
  // never be a log key.
  if (smallOrder) throw new CheckpointError('the public key is a small-order point and cannot verify anything');
}

/** `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(keyName: string, publicKey: Uint8Array): string {
  if (!validKeyName(keyName)) throw new CheckpointError(`key name ${JSON.stringify(keyName)} is empty or has a space or "+"`);
  assertUsablePublicKey(publicKey);
  const id = Buffer.from(keyIdFor(keyName, publicKey)).toString('hex');
  return `${keyName}+${id}+${Buffer.concat([Uint8Array.of(ED25519_TYPE), publicKey]).toString('base64')}`;
}

export function parseVerifierKey(text: string): VerifierKey {
  // Only the first two "+" separate fields: the base64 key material may itself contain "+".
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  const parts = first < 0 || second < 0 ? [] : [trimmed.slice(0, first), trimmed.slice(first + 1, second), trimmed.slice(second + 1)];
  if (parts.length !== 3) {
    throw new CheckpointError('a verifier key has the form <name>+<hex key ID>+<base64 key>; this one does not');
  }
  const [keyName, idHex, keyB64] = parts as [string, string, string];
  if (!validKeyName(keyName)) throw new CheckpointError('the verifier key name is empty or has a space');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new CheckpointError('the verifier key ID is not 8 lowercase hex digits');
  const material = strictBase64(keyB64, 'the verifier key material');
  if (material[0] !== ED25519_TYPE) {
    throw new CheckpointError(`the verifier key has signature type ${material[0]}, and only Ed25519 (1) is supported`);
  }
  const publicKey = new Uint8Array(material.subarray(1));
  assertUsablePublicKey(publicKey);
  const keyId = keyIdFor(keyName, publicKey);
  if (Buffer.from(keyId).toString('hex') !== idHex) {
    throw new CheckpointError('the verifier key ID does not match its name and public key');
  }
  return { keyName, keyId, publicKey, text: text.trim() };
}

/** The checkpoint body (the note text that is signed). */
export function formatCheckpointBody(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: string[] }): string {
  const { origin, size, rootHash } = checkpoint;
  if (origin.length === 0 || origin.includes('\n')) throw new CheckpointError('a checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw new CheckpointError(`tree size ${size} is not a non-negative integer`);
  if (rootHash.length !== HASH_SIZE) throw new CheckpointError('a root hash is 32 bytes');
  const lines = [origin, String(size), Buffer.from(rootHash).toString('base64'), ...(checkpoint.extensions ?? [])];
  return `${lines.join('\n')}\n`;
}

/** Signs a checkpoint and returns the whole note. */
export function signCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'>, signer: CheckpointSigner): string {
  const body = formatCheckpointBody(checkpoint);
  const signature = signer.sign(Buffer.from(body, 'utf8'));
  if (signature.length !== 64) throw new CheckpointError(`an Ed25519 signature is 64 bytes, not ${signature.length}`);
  const keyId = keyIdFor(signer.keyName, signer.publicKey);
  return `${body}\n${EM_DASH_PREFIX}${signer.keyName} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** Splits a signed note into its text and signature lines (no signature is checked here). */
export function parseSignedNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) throw new CheckpointError('the note is too large');
  if (/[\uD800-\uDFFF]/u.test(note)) throw new CheckpointError('the note is not valid UTF-8 (it has a lone surrogate)');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new CheckpointError('the note contains control characters');
  if (!note.endsWith('\n')) throw new CheckpointError('a note ends with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new CheckpointError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatureLines = note.slice(split + 2, -1).split('\n');
  if (signatureLines.length > MAX_SIGNATURES) throw new CheckpointError('the note has too many signatures');
  const signatures = signatureLines.map((line): NoteSignature => {
    if (!line.startsWith(EM_DASH_PREFIX)) throw new CheckpointError(`signature line ${JSON.stringify(line)} does not start with "— "`);
    const rest = line.slice(EM_DASH_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space <= 0) throw new CheckpointError('a signature line has a key name and a signature');
    const keyName = rest.slice(0, space);
    if (!validKeyName(keyName)) throw new CheckpointError('a signature key name is empty or has a space or "+"');
    const bytes = strictBase64(rest.slice(space + 1), 'a signature');
    if (bytes.length < 5) throw new CheckpointError('a signature is too short to hold a key ID');
    return { keyName, keyId: new Uint8Array(bytes.subarray(0, 4)), signature: new Uint8Array(bytes.subarray(4)) };
  });
  return { text, signatures };
}

/** Parses a checkpoint note without checking signatures. */
export function parseCheckpoint(note: string): Checkpoint & { signatures: NoteSignature[] } {
  const { text, signatures } = parseSignedNote(note);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('a checkpoint has an origin, a tree size and a root hash');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw new CheckpointError('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new CheckpointError(`the checkpoint tree size ${JSON.stringify(sizeText)} is not a decimal number`);
  }
  const rootHash = strictBase64(rootText, 'the checkpoint root hash');
  if (rootHash.length !== HASH_SIZE) throw new CheckpointError('the checkpoint root hash is not 32 bytes');
  if (extensions.some((line) => line.length === 0)) throw new CheckpointError('a checkpoint extension line is empty');
  return { origin, size: Number(sizeText), rootHash: new Uint8Array(rootHash), extensions, signatures };
}

/**
 * Checks that a signed note carries a valid signature by `key` and returns its text. Signatures by other
 * keys are ignored, as the note spec requires; a failing signature by `key` rejects the whole note.
 */
export function verifyNote(note: string, key: VerifierKey | string): string {
  const verifier = typeof key === 'string' ? parseVerifierKey(key) : key;
  const { text, signatures } = parseSignedNote(note);
  const idHex = Buffer.from(verifier.keyId).toString('hex');
  let verified = false;
  for (const sig of signatures) {
    if (sig.keyName !== verifier.keyName || Buffer.from(sig.keyId).toString('hex') !== idHex) continue;
    // Through the process's one Ed25519 implementation, with the checks that keep its verdicts the same as the other's.
    const ok = verifyEd25519(verifier.publicKey, Buffer.from(text, 'utf8'), sig.signature);
    if (!ok) throw new CheckpointError(`the signature by ${verifier.keyName} does not verify: the note was altered or forged`);
    verified = true;
  }
  if (!verified) {
    throw new CheckpointError(`the note carries no signature by ${verifier.keyName}+${idHex}: it is not from this log`);
  }
  return text;
}

/**
 * Parses a checkpoint and checks it is signed by `key`. Throws CheckpointError when the note is
 * malformed, when the key's signature does not verify, or when the note carries no signature by it.
 */
export function verifyCheckpoint(note: string, key: VerifierKey | string): Checkpoint {
  const { origin, size, rootHash, extensions } = parseCheckpoint(note);
  verifyNote(note, key);
  return { origin, size, rootHash, extensions };
}

/** A signer over a 32-byte Ed25519 seed, with the process's Ed25519 implementation (the daemon reads the seed from the keychain). */
export function createCheckpointSigner(keyName: string, seed: Uint8Array): CheckpointSigner {
  if (seed.length !== 32) throw new CheckpointError('an Ed25519 seed is 32 bytes');
  if (!validKeyName(keyName)) throw new CheckpointError(`key name ${JSON.stringify(keyName)} is empty or has a space or "+"`);
  const key = ed25519Implementation().keyPair(seed);
  return {
    keyName,
    publicKey: key.publicKey,
    sign: (message) => key.sign(message),
  };
}

/**
 * The origin (and key name) for the log of one Signet home and user:
 * `signet.local/<last 16 characters of the user's DID>/<first 16 hex digits of SHA-256(real home path)>`.
 * Two homes of one user, or two users of one machine, never share an origin.
 */
export function checkpointOrigin(userDid: string, home: string): string {
  let path = resolve(home);
  try {
    path = realpathSync(path);
  } catch {
    // A home that does not exist yet is named by its absolute path.
  }
  const suffix = userDid.replace(/[^A-Za-z0-9]/g, '').slice(-16);
  const homeHash = createHash('sha256').update(path, 'utf8').digest('hex').slice(0, 16);
  return `signet.local/${suffix}/${homeHash}`;
}
