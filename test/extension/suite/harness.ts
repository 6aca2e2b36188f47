// A small test runner for the extension host (where node:test is not available): tests are sentences,
// run one after another, print TAP-like lines, and `run()` rejects when any failed, which makes the
// workbench exit with code 1.
import { writeFileSync } from 'node:fs';

interface TestCase {
  name: string;
  fn: () => Promise<void> | void;
}

const cases: TestCase[] = [];

export function test(name: string, fn: () => Promise<void> | void): void {
  cases.push({ name, fn });
}

export async function runAll(resultsPath: string | undefined): Promise<void> {
  let passed = 0;
  let failed = 0;
  const results: { name: string; ok: boolean; error?: string; ms: number }[] = [];
  for (const c of cases) {
    const started = Date.now();
    try {
      await c.fn();
      passed++;
      results.push({ name: c.name, ok: true, ms: Date.now() - started });
      console.log(`ok ${passed + failed} - ${c.name}`);
    } catch (error) {
      failed++;
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results.push({ name: c.name, ok: false, error: text, ms: Date.now() - started });
      console.error(`not ok ${passed + failed} - ${c.name}\n  ${text.replaceAll('\n', '\n  ')}`);
    }
  }
  console.log(`extension-host: ${passed} passed, ${failed} failed`);
  if (resultsPath) writeFileSync(resultsPath, `${JSON.stringify({ passed, failed, results }, null, 2)}\n`);
  if (failed > 0) throw new Error(`${failed} extension-host test(s) failed`);
}

/** Polls `probe` until it returns a value other than undefined/false, or fails naming `what`. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
