// Output shared by the CLI's command groups: JSON for scripts or a line for people, and a UI-role connection
// that is always closed.
import type { DaemonClient } from '../client/daemonClient';
import { connectToDaemon } from './connect';

/** The global options every command reads: `--json` and the resolved `--home`. */
export type Globals = () => { json: boolean; home: string };

export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Runs `work` with a client connected as the user (the UI token), and closes it after. */
export async function withUiClient<T>(home: string, work: (client: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(home, 'ui');
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
