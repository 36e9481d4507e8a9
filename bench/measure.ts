/** The load loop, percentiles, scratch set-up, CPU time and table cells the benchmarks share. */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export type Stats = { count: number; perSecond: number; p50: number; p95: number; errors: number; firstError?: string };

export const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;

/** `workers` loops calling `op(worker)` back to back until the time is up; a throw counts as an error, not a call. */
export const drive = async (workers: number, seconds: number, op: (worker: number) => Promise<void>): Promise<Stats> => {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < end) {
        const began = performance.now();
        try {
          await op(worker);
          latencies.push(performance.now() - began);
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), errors, firstError };
};

/**
 * Points the lib at a bench's scratch database and Redis bridge, before the
 * bench first imports it (the lib reads its settings, and the logger its
 * level, on first use). Its fans call far faster than people do: their
 * requests are counted, far below the limits.
 */
export const useScratch = async (scratch: { databaseUrl: string; redis: { url: string; token: string } }, poolMax: number): Promise<void> => {
  Object.assign(process.env, {
    DATABASE_URL: scratch.databaseUrl,
    UPSTASH_REDIS_REST_URL: scratch.redis.url,
    UPSTASH_REDIS_REST_TOKEN: scratch.redis.token,
    JWT_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_COST: '10',
    RATE_LIMIT_SCALE: '1000',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    PG_POOL_MAX: String(poolMax),
    PG_POOLER: 'none',
  });
  // A running stage's steady state: the minute job has vouched for Redis's copies of ended sessions, so a request's
  // token is checked in Redis alone; a Redis just started would send each one to Postgres too for a token's lifetime.
  await (await import('../lib/auth/revocation')).mirrorVoids();
};

/** Busy CPU time of the whole machine so far, in ms (Linux), or undefined elsewhere. */
export const machineCpuMs = async (): Promise<number | undefined> => {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  if (ticks.length < 4) return undefined;
  const idle = ticks[3]! + (ticks[4] ?? 0); // idle + iowait
  return ((ticks.reduce((a, b) => a + b, 0) - idle) * 1000) / 100; // USER_HZ is 100 on Linux
};

/**
 * CPU time of process `pid` so far, or undefined once it is gone: `ms` from
 * /proc/<pid>/schedstat (ns) where the kernel keeps it, else from the ticks;
 * `user` and `system`, the ticks of /proc/<pid>/stat (utime, stime), whose
 * 10 ms are too coarse to time a short phase of one process but split a
 * group's time between its own code and the kernel's.
 */
export const processCpu = async (pid: number): Promise<ProcessCpu | undefined> => {
  // utime and stime, the 14th and 15th fields, after the command's closing parenthesis.
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ');
  if (!fields) return undefined;
  const [user, system] = [Number(fields[11]), Number(fields[12])];
  const ns = Number((await readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => '')).split(' ')[0]);
  return { ms: ns > 0 ? ns / 1e6 : ((user + system) * 1000) / 100, user, system }; // USER_HZ is 100 on Linux
};

/** CPU time of process `pid` so far, in ms, or undefined once it is gone. */
export const processCpuMs = async (pid: number): Promise<number | undefined> => (await processCpu(pid))?.ms;

/** The processes of this machine, with their command line (spaces for NULs) and name, read from /proc. */
const processes = async (): Promise<Array<{ pid: number; name: string; command: string }>> => {
  const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d)).map(Number);
  const read = async (pid: number) => {
    const [name, command] = await Promise.all([readFile(`/proc/${pid}/comm`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')].map((p) => p.catch(() => '')));
    return { pid, name: name!.trim(), command: command!.replaceAll('\0', ' ').trim() };
  };
  return Promise.all(pids.map(read));
};

/** Postgres's auxiliary processes, which work for every database of the server (WAL, checkpoints, vacuum). */
const POSTGRES_SERVER = /^postgres: (?:\S+: )?(checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver|stats collector)\b/;

/** The parts of Postgres's CPU the bench tells apart. */
const POSTGRES_PARTS = ['backends', 'WAL writer', 'server'] as const;

/** One process's CPU time so far (or a group's, or what was spent between two readings): in ms, and its user and system ticks. */
export type ProcessCpu = { ms: number; user: number; system: number };

export const NO_CPU: ProcessCpu = { ms: 0, user: 0, system: 0 };

/** `a` plus `b` times `sign`: CPU times added up, or one taken from another. */
export const addCpu = (a: ProcessCpu, b: ProcessCpu, sign = 1): ProcessCpu => ({ ms: a.ms + sign * b.ms, user: a.user + sign * b.user, system: a.system + sign * b.system });

/** CPU time so far of each of a group of processes, by pid, with the part of the group each is. */
export type GroupCpu = Map<number, ProcessCpu & { part: string }>;

const groupCpu = async (members: Array<{ pid: number; part: string }>): Promise<GroupCpu> => {
  const times = await Promise.all(members.map(async ({ pid, part }) => {
    const time = await processCpu(pid);
    return time ? [[pid, { ...time, part }] as const] : [];
  }));
  return new Map(times.flat());
};

/**
 * The CPU a group spent between two readings, in ms, or NaN where neither
 * found a process. A process that started between them counts whole; one
 * that ended counts nothing, as its last moments cannot be read: a pool's
 * connection closing must not take its earlier work off the sum.
 */
export const cpuBetween = (before: GroupCpu, after: GroupCpu): number => {
  if (before.size === 0 && after.size === 0) return NaN;
  return [...partsBetween(before, after).values()].reduce((ms, part) => ms + part.ms, 0);
};

/** As cpuBetween, by part of the group: each part's ms, and its user and system ticks, counted alike. */
export const partsBetween = (before: GroupCpu, after: GroupCpu): Map<string, ProcessCpu> => {
  const parts = new Map<string, ProcessCpu>();
  for (const [pid, now] of after) parts.set(now.part, addCpu(addCpu(parts.get(now.part) ?? NO_CPU, now), before.get(pid) ?? NO_CPU, -1));
  return parts;
};

/**
 * The processes of this machine that work for `database`: its backends (one
 * a connection, and any autovacuum or parallel worker naming it), the WAL
 * writer, and the postmaster with the server's other auxiliary processes.
 * The backends of other databases are left out.
 */
export const postgresCpu = async (database: string): Promise<GroupCpu> => {
  const partOf = ({ name, command }: { name: string; command: string }): (typeof POSTGRES_PARTS)[number] | undefined => {
    if (name !== 'postgres') return undefined;
    if (!command.startsWith('postgres:')) return 'server'; // the postmaster
    if (command.split(' ').includes(database)) return 'backends';
    const auxiliary = POSTGRES_SERVER.exec(command)?.[1];
    if (auxiliary === undefined) return undefined;
    return auxiliary === 'walwriter' ? 'WAL writer' : 'server';
  };
  return groupCpu((await processes()).flatMap((p) => {
    const part = partOf(p);
    return part ? [{ pid: p.pid, part }] : [];
  }));
};

/** Every `redis-server` of this machine. */
export const redisServerCpu = async (): Promise<GroupCpu> =>
  groupCpu((await processes()).filter((p) => p.name === 'redis-server').map((p) => ({ pid: p.pid, part: 'redis-server' })));

/** Table cells: text padded to a column's width, a number right-aligned (– when not a number). */
export const left = (v: string, width: number) => v.padEnd(width);
export const right = (v: string, width: number) => v.padStart(width);
export const num = (v: number, width: number, digits = 0) => right(Number.isFinite(v) ? v.toFixed(digits) : '–', width);
