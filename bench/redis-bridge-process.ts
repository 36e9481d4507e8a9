/**
 * The local Redis bridge in a process of its own, for the benchmarks: the
 * CPU it spends answering the API's cache calls is then not counted as the
 * handler's, and can be read on its own. Its keys live under a prefix of
 * their own, as the tests' do: a bench sharing a real Redis with `npm run
 * dev` or another run must neither read their cached lists nor clear them.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RedisRest } from '../scripts/local-services';
import { startRedisBridge } from '../scripts/redis-bridge';

type Ready = { url: string; token: string; backend: string };
type CpuTime = { cpuMs: number };

export type BridgeProcess = RedisRest & { cpuMs(): Promise<number> };

export const startBridgeProcess = async (): Promise<BridgeProcess> => {
  const child = fork(fileURLToPath(import.meta.url), ['serve', `bench-${randomBytes(4).toString('hex')}:`], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (m) => resolve(m as T));
      child.once('exit', (code) => reject(new Error(`the Redis bridge process exited (${code})`)));
    });
  const ready = await next<Ready>();
  return {
    url: ready.url,
    token: ready.token,
    kind: `bridge process to ${ready.backend === 'redis' ? 'Redis' : 'in-memory Redis'}`,
    cpuMs: async () => {
      const answer = next<CpuTime>();
      child.send('cpu');
      return (await answer).cpuMs;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
};

if (process.argv[2] === 'serve' && process.send) {
  const bridge = await startRedisBridge({ redisUrl: process.env.REDIS_URL, keyPrefix: process.argv[3] });
  process.send({ url: bridge.url, token: bridge.token, backend: bridge.backend } satisfies Ready);
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMs: (user + system) / 1000 } satisfies CpuTime);
  });
  process.once('disconnect', () => void bridge.close().then(() => process.exit(0)));
}
