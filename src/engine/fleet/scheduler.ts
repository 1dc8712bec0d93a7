/**
 * Bounded concurrency for a fleet: at most `concurrency` jobs at once, at most `perRegion` in one
 * region (or zone) and `perAccount` in one subscription or account, jobs started in list order as
 * soon as the limits allow. A job that fails with a cloud API throttling error is retried after an
 * exponential backoff.
 */

export interface Limits {
  concurrency: number;
  /** Per region / zone; default: no limit beyond `concurrency`. */
  perRegion?: number;
  /** Per subscription / account; default: no limit beyond `concurrency`. */
  perAccount?: number;
}

export interface Job {
  id: string;
  region: string;
  account: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** First backoff in ms; doubled each retry, up to `maxDelayMs`. Default 2000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Waits (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry. */
  onRetry?: (job: Job, attempt: number, delayMs: number, error: unknown) => void;
}

const THROTTLING =
  /\b(429|TooManyRequests|Throttl\w*|RequestLimitExceeded|RateExceeded|Rate exceeded|SlowDown|RequestThrottled)\b/i;

/** True for the errors Azure and AWS return when a caller exceeds an API rate. */
export function isThrottling(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return THROTTLING.test(String(error));
  const e = error as { statusCode?: unknown; code?: unknown; name?: unknown; message?: unknown };
  if (e.statusCode === 429) return true;
  return [e.code, e.name, e.message].some((x) => typeof x === "string" && THROTTLING.test(x));
}

/** Runs `run` with retries on throttling; other errors and the last throttling error are thrown. */
export async function withBackoff<J extends Job, T>(
  job: J,
  run: (job: J, attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  const attempts = policy.attempts ?? 5;
  const base = policy.baseDelayMs ?? 2000;
  const max = policy.maxDelayMs ?? 60_000;
  const sleep = policy.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(job, attempt);
    } catch (e) {
      if (!isThrottling(e) || attempt >= attempts) throw e;
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      policy.onRetry?.(job, attempt, delay, e);
      await sleep(delay);
    }
  }
}

function positive(n: number | undefined, what: string): number {
  if (n === undefined) return Infinity;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a whole number ≥ 1`);
  return n;
}

/** Which waiting job may start now under the limits (the first in list order), or -1. */
export function nextStartable<J extends Job>(
  waiting: readonly J[],
  running: readonly J[],
  limits: Limits,
): number {
  const total = positive(limits.concurrency, "concurrency");
  const perRegion = positive(limits.perRegion, "the per-region limit");
  const perAccount = positive(limits.perAccount, "the per-account limit");
  if (running.length >= total) return -1;
  const count = (key: (j: J) => string, value: string) =>
    running.filter((r) => key(r) === value).length;
  return waiting.findIndex(
    (j) =>
      count((r) => r.region, j.region) < perRegion &&
      count((r) => r.account, j.account) < perAccount,
  );
}

/**
 * Runs every job under the limits; resolves with each job's result or error, in the jobs' order.
 * Never rejects for a job's failure. Once `signal` aborts no waiting job starts: those resolve with
 * `started: false` when the running ones have settled.
 */
export async function runBounded<J extends Job, T>(
  jobs: readonly J[],
  limits: Limits,
  run: (job: J) => Promise<T>,
  signal?: AbortSignal,
): Promise<{ job: J; value?: T; error?: unknown; started?: false }[]> {
  nextStartable([], [], limits); // validates the limits before anything starts
  const results = new Map<J, { job: J; value?: T; error?: unknown }>();
  const waiting = [...jobs];
  const running: J[] = [];
  await new Promise<void>((done) => {
    const pump = () => {
      if (signal?.aborted) waiting.length = 0;
      if (waiting.length === 0 && running.length === 0) {
        signal?.removeEventListener("abort", pump);
        return done();
      }
      for (;;) {
        const i = nextStartable(waiting, running, limits);
        if (i < 0) break;
        const [job] = waiting.splice(i, 1);
        running.push(job);
        run(job).then(
          (value) => finish(job, { job, value }),
          (error: unknown) => finish(job, { job, error }),
        );
      }
    };
    const finish = (job: J, r: { job: J; value?: T; error?: unknown }) => {
      results.set(job, r);
      running.splice(running.indexOf(job), 1);
      pump();
    };
    signal?.addEventListener("abort", pump);
    pump();
  });
  return jobs.map((j) => results.get(j) ?? { job: j, started: false as const });
}

/**
 * The modeled fleet time: the same scheduling on a virtual clock, each job taking its modeled
 * seconds. Returns the makespan and each job's modeled start.
 */
export function modeledSchedule<J extends Job>(
  jobs: readonly (J & { seconds: number })[],
  limits: Limits,
): { totalSeconds: number; starts: Map<string, number> } {
  const waiting = [...jobs];
  const running: (J & { seconds: number; end: number })[] = [];
  const starts = new Map<string, number>();
  let now = 0;
  let total = 0;
  while (waiting.length > 0 || running.length > 0) {
    for (;;) {
      const i = nextStartable(waiting, running, limits);
      if (i < 0) break;
      const [job] = waiting.splice(i, 1);
      starts.set(job.id, now);
      running.push({ ...job, end: now + job.seconds });
    }
    if (running.length === 0) break;
    running.sort((a, b) => a.end - b.end);
    const next = running.shift()!;
    now = next.end;
    total = Math.max(total, now);
  }
  return { totalSeconds: total, starts };
}
