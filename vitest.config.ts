import { defineConfig } from 'vitest/config';

const common = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    // One database and Redis bridge for the whole run, whatever the project.
    globalSetup: ['test/support/global-setup.ts'],
    // Two cores: more workers only queue on the database.
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/faults/**'] } },
      {
        // The fault drills stall Redis and cut every database session: they run last, one file at a time.
        test: { ...common, name: 'faults', include: ['test/faults/**/*.test.ts'], sequence: { groupOrder: 1 }, maxWorkers: 1 },
      },
    ],
  },
});
