import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, parseDurationOption } from '../../daemon/src/cli/connect';
import { ExitCode } from '../../daemon/src/cli/exitCode';
import { parseDuration } from '../../daemon/src/duration';

test('a duration is seconds, or a number with s, m, h or d, and the CLI and the extension read it alike', () => {
  assert.deepEqual(['90', '45s', '30m', '1h', '2d', ' 8 h '].map(parseDuration), [90, 45, 1800, 3600, 172_800, 28_800]);
  assert.deepEqual(['1h', '2d'].map(parseDurationOption), [3600, 172_800]);
});

test('zero, negative and unknown units are no duration: undefined for the extension, a usage error for the CLI', () => {
  for (const text of ['0', '0h', '-1h', '1w', 'soon', '']) assert.equal(parseDuration(text), undefined, text);
  assert.throws(() => parseDurationOption('0h'), (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.Usage && /positive/.test(e.message));
  assert.throws(() => parseDurationOption('1w'), (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.Usage && /not a duration/.test(e.message));
});
