// Who is on the other end of a loopback connection, as far as the daemon can tell by itself. The token says
// which role a client may take, not who the client is; anything the client says about itself ("decided in
// VS Code") is a claim. On Linux the kernel answers instead: the TCP socket's inode from /proc/net/tcp, the
// process holding that inode from /proc/<pid>/fd, its executable and its parents from /proc. Elsewhere (and
// for in-memory connections) the answer is "unverified", with the reason.
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface PeerProcessInfo {
  pid: number;
  /** The resolved executable (/proc/<pid>/exe), or null when it could not be read. */
  executable: string | null;
}

export type PeerIdentity =
  | { verified: true; how: 'linux-procfs'; process: PeerProcessInfo; parents: PeerProcessInfo[] }
  | { verified: false; reason: string };

const MAX_PARENTS = 8;

/** The process behind the loopback TCP connection from `remotePort` to the daemon's `localPort`. */
export async function identifyLoopbackPeer(localPort: number, remotePort: number): Promise<PeerIdentity> {
  if (process.platform !== 'linux') return { verified: false, reason: `the connecting process cannot be identified on ${process.platform}` };
  try {
    const inode = await socketInode(localPort, remotePort);
    if (inode === undefined) return { verified: false, reason: 'the connection was not found in /proc/net/tcp' };
    const pid = await pidHolding(inode);
    if (pid === undefined) return { verified: false, reason: 'no process of this user holds the connection (it ended, or another user owns it)' };
    const parents: PeerProcessInfo[] = [];
    for (let current = await parentOf(pid); current !== undefined && current > 0 && parents.length < MAX_PARENTS; current = await parentOf(current)) {
      parents.push({ pid: current, executable: await executableOf(current) });
      if (current === 1) break;
    }
    return { verified: true, how: 'linux-procfs', process: { pid, executable: await executableOf(pid) }, parents };
  } catch (error) {
    return { verified: false, reason: `the connecting process could not be identified: ${(error as Error).message}` };
  }
}

/** The inode of the peer's socket: the line whose local end is the peer's port and remote end the daemon's. */
async function socketInode(localPort: number, remotePort: number): Promise<string | undefined> {
  const local = `:${remotePort.toString(16).toUpperCase().padStart(4, '0')}`;
  const remote = `:${localPort.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, localAddress, remoteAddress] = fields;
      if (localAddress?.endsWith(local) && remoteAddress?.endsWith(remote) && isLoopback(localAddress)) return fields[9];
    }
  }
  return undefined;
}

function isLoopback(address: string): boolean {
  const ip = address.split(':')[0] ?? '';
  // 127.0.0.0/8 in /proc's little-endian hex, or the IPv4-mapped form in tcp6.
  return ip.endsWith('7F') || ip === '00000000000000000000000000000001' || /0000FFFF[0-9A-F]{6}7F$/.test(ip);
}

async function pidHolding(inode: string): Promise<number | undefined> {
  const target = `socket:[${inode}]`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = await readdir(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      if ((await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')) === target) return Number(entry);
    }
  }
  return undefined;
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // The command name is in parentheses and may hold spaces or parentheses itself: fields follow the last ")".
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

async function executableOf(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/exe`).catch(() => null);
}
