// OpenSSH signatures (PROTOCOL.sshsig) over Ed25519 keys: what `ssh-keygen -Y sign` writes and `-Y verify`
// reads, so that a commit Signet signs is checked by stock git and OpenSSH with no Signet installed.
//
// The signature file is an armored blob: "SSHSIG", a version, the signer's public key, the namespace ("git"
// for commits and tags), a reserved string, the hash algorithm, and the signature itself. What the key signs
// is not the message but a small "signed data" blob that names the namespace and carries the message's hash,
// so a signature made for one namespace can never be replayed as another's.
import { createHash } from 'node:crypto';
import { didKeyFromPublicKey, verifyEd25519 } from '../ucan/index';
import { ed25519PublicKeyBlob, KEY_TYPE, sshString } from './signingKey';

export { formatOpenSshPublicKey, signingKeyLine } from './signingKey';

const MAGIC = Buffer.from('SSHSIG');
const SIG_VERSION = 1;
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const ARMOR_END = '-----END SSH SIGNATURE-----';
/** ssh-keygen wraps the base64 at 70 columns; git stores the lines as they are. */
const ARMOR_WIDTH = 70;

export type SshSigHash = 'sha256' | 'sha512';

/** A malformed or unusable signature or key, with a stable code for the caller to branch on. */
export class SshSignatureError extends Error {
  constructor(
    message: string,
    readonly code: 'not-armored' | 'bad-magic' | 'bad-version' | 'not-ed25519' | 'bad-encoding' | 'unsupported-hash' | 'bad-public-key',
  ) {
    super(message);
    this.name = 'SshSignatureError';
  }
}

/** Reads SSH wire strings one after another, refusing a length that runs past the end. */
class SshReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}
  take(n: number): Buffer {
    if (this.offset + n > this.bytes.length) throw new SshSignatureError('the signature ends early', 'bad-encoding');
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  uint32(): number {
    return this.take(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.take(this.uint32());
  }
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}

/** The raw 32-byte key of an `ssh-ed25519 AAAA… [comment]` line (or of `key::ssh-ed25519 …`, git's literal form). */
export function parseOpenSshPublicKey(line: string): Uint8Array {
  const [type, base64] = line.trim().replace(/^key::/, '').split(/\s+/);
  if (type !== KEY_TYPE || !base64) throw new SshSignatureError(`not an ssh-ed25519 public key: ${line.slice(0, 40)}`, 'not-ed25519');
  return readPublicKeyBlob(Buffer.from(base64, 'base64'));
}

function readPublicKeyBlob(blob: Buffer): Uint8Array {
  const reader = new SshReader(blob);
  if (reader.string().toString() !== KEY_TYPE) throw new SshSignatureError('the key is not ssh-ed25519', 'not-ed25519');
  const key = reader.string();
  if (key.length !== 32 || !reader.done) throw new SshSignatureError('an ssh-ed25519 key is 32 bytes', 'bad-public-key');
  return new Uint8Array(key);
}

/** `SHA256:…` as ssh-keygen prints a key's fingerprint (unpadded base64 of the SHA-256 of the key blob). */
export function sshFingerprint(publicKey: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(ed25519PublicKeyBlob(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

/** The blob the key actually signs: magic, namespace, reserved, hash algorithm, and the message's hash. */
export function signedDataBlob(message: Uint8Array, namespace: string, hash: SshSigHash = 'sha512'): Buffer {
  const digest = createHash(hash).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hash), sshString(digest)]);
}

/** The armored signature file for `signature` (64 bytes) by `publicKey` over a message in `namespace`. */
export function armorSignature(publicKey: Uint8Array, signature: Uint8Array, namespace: string, hash: SshSigHash = 'sha512'): string {
  const version = Buffer.alloc(4);
  version.writeUInt32BE(SIG_VERSION);
  const blob = Buffer.concat([
    MAGIC,
    version,
    sshString(ed25519PublicKeyBlob(publicKey)),
    sshString(namespace),
    sshString(''),
    sshString(hash),
    sshString(Buffer.concat([sshString(KEY_TYPE), sshString(signature)])),
  ]).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < blob.length; i += ARMOR_WIDTH) lines.push(blob.slice(i, i + ARMOR_WIDTH));
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

export interface ParsedSshSignature {
  publicKey: Uint8Array;
  /** The signer's did:key: the same key, so the agent's DID and its signing key are one identity. */
  did: string;
  namespace: string;
  hash: SshSigHash;
  signature: Uint8Array;
}

/** Reads an armored SSHSIG; throws SshSignatureError for anything that is not an Ed25519 SSHSIG of version 1. */
export function parseArmoredSignature(armored: string): ParsedSshSignature {
  const text = armored.trim();
  if (!text.startsWith(ARMOR_BEGIN) || !text.endsWith(ARMOR_END)) throw new SshSignatureError('not an armored SSH signature', 'not-armored');
  const body = text.slice(ARMOR_BEGIN.length, text.length - ARMOR_END.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new SshSignatureError('the signature is not base64', 'bad-encoding');
  const reader = new SshReader(Buffer.from(body, 'base64'));
  if (!reader.take(MAGIC.length).equals(MAGIC)) throw new SshSignatureError('the blob does not start with SSHSIG', 'bad-magic');
  if (reader.uint32() !== SIG_VERSION) throw new SshSignatureError('only SSHSIG version 1 is known', 'bad-version');
  const publicKey = readPublicKeyBlob(reader.string());
  const namespace = reader.string().toString('utf8');
  reader.string(); // reserved
  const hash = reader.string().toString();
  if (hash !== 'sha256' && hash !== 'sha512') throw new SshSignatureError(`hash ${hash} is not one PROTOCOL.sshsig allows`, 'unsupported-hash');
  const sig = new SshReader(reader.string());
  if (sig.string().toString() !== KEY_TYPE) throw new SshSignatureError('the signature is not ssh-ed25519', 'not-ed25519');
  const signature = new Uint8Array(sig.string());
  if (!reader.done || !sig.done) throw new SshSignatureError('the signature has trailing bytes', 'bad-encoding');
  return { publicKey, did: didKeyFromPublicKey(publicKey), namespace, hash, signature };
}

/** True when `parsed` is a valid signature of `message` in `namespace` (the namespace is part of what was signed). */
export function verifySshSignature(parsed: ParsedSshSignature, message: Uint8Array, namespace: string): boolean {
  if (parsed.namespace !== namespace) return false;
  return verifyEd25519(parsed.publicKey, signedDataBlob(message, namespace, parsed.hash), parsed.signature);
}
