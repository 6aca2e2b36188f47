import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../home/atomicFile';
import { filePlatform, syncFolder } from '../home/platformFiles';
import type { FilePlatform } from '../home/platformFiles';
import { KeystoreError } from './keystoreError';
import { checkAccount, checkSecret, decodeSecret, encodeSecret } from './secretEncoding';
import type { SecretStore } from './secretStore';

const FILE_SUFFIX = '.key';

/**
 * Secrets as plain files, one per account, in a folder only the user can enter (0700) and files only
 * the user can read (0600). This is the explicit opt-in for headless machines without a keychain: the
 * secrets are not encrypted, so a file that others could read is refused rather than used, and every
 * write goes through a temporary file, fsync and rename so that a crash never leaves half a key.
 *
 * On Windows there are no mode bits to set or check (see platformFiles.ts): the files are as private as
 * the ACL of the folder they inherit, by default the user's profile, and symbolic links are refused by an
 * lstat before the open instead of by O_NOFOLLOW.
 */
export class FileStore implements SecretStore {
  readonly kind = 'file';
  private folderChecked = false;

  constructor(
    readonly dir: string,
    private readonly platform: FilePlatform = filePlatform(),
  ) {}

  /**
   * The file that holds `account`. Every character outside [A-Za-z0-9_-] is percent-encoded, so the
   * name can hold no slash, no `..` and no leading dot, and two accounts never share a file.
   */
  fileFor(account: string): string {
    checkAccount(account);
    return join(this.dir, accountFileName(account));
  }

  async get(account: string): Promise<Uint8Array | null> {
    const path = this.fileFor(account);
    await this.checkFolder(false);
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a symlink planted in the folder must not redirect a read to some other file.
      if (!this.platform.noFollow && (await lstat(path)).isSymbolicLink()) throw Object.assign(new Error(`${path} is a link`), { code: 'ELOOP' });
      handle = await open(path, this.platform.noFollow ? constants.O_RDONLY | constants.O_NOFOLLOW : constants.O_RDONLY);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return null;
      if (errnoOf(error) === 'ELOOP') {
        throw new KeystoreError({
          code: 'permissions',
          account,
          problem: `${path} is a symbolic link; Signet does not follow links in its key folder, so it did not read a key through it.`,
          fix: `Replace the link with the key file itself (mode 0600), or remove it if you did not put it there.`,
          cause: error,
        });
      }
      throw this.ioError(`read the key file ${path}`, account, error);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw new KeystoreError({
          code: 'corrupt',
          account,
          problem: `${path} is not a regular file, so Signet did not read a key from it.`,
          fix: `Move it out of ${this.dir}; Signet writes only regular files there.`,
        });
      }
      this.checkOwnerAndMode(path, info.uid, info.mode, 0o600, account);
      const text = await handle.readFile('utf8');
      return decodeSecret(text, {
        account,
        store: this.describe(),
        fix: `${path} was changed by something other than Signet. Restore it from a backup; deleting it loses the identity it held.`,
      });
    } catch (error) {
      if (error instanceof KeystoreError) throw error;
      throw this.ioError(`read the key file ${path}`, account, error);
    } finally {
      await handle.close();
    }
  }

  async set(account: string, secret: Uint8Array): Promise<void> {
    const path = this.fileFor(account);
    checkSecret(secret);
    await this.checkFolder(true);
    // The temporary name starts with a dot, which no account file does, so it can never replace one.
    try {
      await writeFileAtomic(path, `${encodeSecret(secret)}\n`, 0o600);
    } catch (error) {
      throw this.ioError(`write the key file ${path}`, account, error);
    }
  }

  async delete(account: string): Promise<boolean> {
    const path = this.fileFor(account);
    await this.checkFolder(false);
    try {
      await unlink(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return false;
      throw this.ioError(`delete the key file ${path}`, account, error);
    }
    try {
      await syncFolder(this.dir, this.platform);
    } catch (error) {
      throw this.ioError(`flush the key folder ${this.dir}`, account, error);
    }
    return true;
  }

  describe(): string {
    return this.platform.posixModes
      ? `unencrypted files in ${this.dir} (readable only by you)`
      : `unencrypted files in ${this.dir} (as private as the folder's ACL)`;
  }

  async probe(): Promise<void> {
    await this.checkFolder(true);
  }

  /**
   * Makes sure the folder exists with mode 0700 and belongs to this user. A folder that others can
   * enter is refused, because its files might already have been copied.
   */
  private async checkFolder(create: boolean): Promise<void> {
    if (this.folderChecked) return;
    if (create) {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
      } catch (error) {
        // Something that is not a folder sits at that path; the check below says so precisely.
        if (errnoOf(error) !== 'EEXIST' && errnoOf(error) !== 'ENOTDIR') {
          throw this.ioError(`create the key folder ${this.dir}`, undefined, error);
        }
      }
    }
    let info;
    try {
      info = await lstat(this.dir);
    } catch (error) {
      // A folder that does not exist yet holds no keys; reads then answer null, deletes false.
      if (errnoOf(error) === 'ENOENT' && !create) return;
      throw this.ioError(`read the key folder ${this.dir}`, undefined, error);
    }
    if (!info.isDirectory()) {
      throw new KeystoreError({
        code: 'permissions',
        problem: `${this.dir} is not a plain folder (it is a file or a symbolic link), so Signet will not keep keys in it.`,
        fix: `Move it aside so that Signet can create the folder with mode 0700.`,
      });
    }
    // A folder Signet just created may carry a umask-reduced mode; tighten it once, then check.
    if (create && this.platform.posixModes && (info.mode & 0o777) !== 0o700 && (info.mode & 0o077) === 0) {
      await chmod(this.dir, 0o700).catch(() => undefined);
    }
    this.checkOwnerAndMode(this.dir, info.uid, info.mode, 0o700, undefined);
    this.folderChecked = true;
  }

  private checkOwnerAndMode(path: string, uid: number, mode: number, wanted: number, account: string | undefined): void {
    // Windows reports made-up mode bits (0666 for every file) and no owner; its ACLs are not checked here.
    if (!this.platform.posixModes) return;
    const ownUid = process.getuid?.();
    if (ownUid !== undefined && uid !== ownUid) {
      throw new KeystoreError({
        code: 'permissions',
        account,
        problem: `${path} belongs to user ${uid}, not to you (user ${ownUid}), so Signet will not trust the keys in it.`,
        fix: `Check who created it; if it is yours, run: chown ${ownUid} '${path}'`,
      });
    }
    if ((mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(3, '0');
      throw new KeystoreError({
        code: 'permissions',
        account,
        problem: `${path} has mode ${octal}, so other users may have read the unencrypted key material in it; Signet refuses to use it.`,
        fix: `If you are sure nobody else read it, run: chmod ${wanted.toString(8)} '${path}'. Otherwise treat the keys as leaked and create new identities.`,
      });
    }
  }

  private ioError(action: string, account: string | undefined, cause: unknown): KeystoreError {
    const errno = errnoOf(cause);
    const denied = errno === 'EACCES' || errno === 'EPERM';
    return new KeystoreError({
      code: denied ? 'permissions' : 'io',
      account,
      problem: `Signet could not ${action}: ${(cause as Error)?.message ?? String(cause)}.`,
      fix: denied
        ? `Make sure ${this.dir} and its files belong to you (chown) with modes 0700 and 0600 (chmod).`
        : `Check that the disk holding ${this.dir} is writable and not full, then try again.`,
      cause,
    });
  }
}

export function accountFileName(account: string): string {
  let name = '';
  for (const byte of Buffer.from(account, 'utf8')) {
    const char = String.fromCharCode(byte);
    name += /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${name}${FILE_SUFFIX}`;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
