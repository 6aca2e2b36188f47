import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncFolder } from './platformFiles';

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never half:
 * temp file in the same folder, fsync, rename over the target, fsync of the folder where the platform
 * needs it (see platformFiles.ts). On POSIX systems the file has exactly `mode` from creation on, whatever
 * the umask, so a secret is never readable by others even for a moment; on Windows the mode is moot and
 * the file inherits its folder's ACL. The temporary name starts with a dot.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // The mode given to open() is reduced by the umask; set it again so it is exactly `mode`.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}
