import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * What the platform's file system lets Signet rely on for its own files. Linux and macOS have POSIX owner
 * and mode bits, which Signet sets (0700 folders, 0600 files) and checks before it trusts a key file, and a
 * folder can be opened and fsynced so that a rename in it is durable. Windows has neither: access is
 * decided by ACLs, which a file under the user's profile inherits (the user, SYSTEM and Administrators
 * only, by default) and which Signet does not inspect; a folder cannot be opened as a file, and NTFS
 * journals its own metadata, so a rename is durable without it.
 */
export interface FilePlatform {
  /** Owner and mode bits are real, so a key file readable by others can be detected and refused. */
  readonly posixModes: boolean;
  /** A folder can be fsynced (open with O_DIRECTORY). */
  readonly folderSync: boolean;
  /** open() can refuse to follow a symbolic link (O_NOFOLLOW). */
  readonly noFollow: boolean;
}

export function filePlatform(platform: NodeJS.Platform = process.platform): FilePlatform {
  const windows = platform === 'win32';
  return { posixModes: !windows, folderSync: !windows, noFollow: !windows };
}

/** Makes the renames and unlinks in `folder` durable, where the platform needs it (see FilePlatform). */
export async function syncFolder(folder: string, platform: FilePlatform = filePlatform()): Promise<void> {
  if (!platform.folderSync) return;
  const handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
