import { isThrottling, modeledSchedule, runBounded, withBackoff, type Job } from "./scheduler";

/** A runner that records how many jobs are in flight, overall and per region/account. */
function instrumented(delay = (j: Job) => 5 + (j.id.charCodeAt(j.id.length - 1) % 4) * 3) {
  const running: Job[] = [];
  const peaks = { total: 0, region: 0, account: 0 };
  const order: string[] = [];
  const run = async (job: Job) => {
    running.push(job);
    order.push(job.id);
    peaks.total = Math.max(peaks.total, running.length);
    peaks.region = Math.max(peaks.region, running.filter((r) => r.region === job.region).length);
    peaks.account = Math.max(
      peaks.account,
      running.filter((r) => r.account === job.account).length,
    );
    await new Promise((r) => setTimeout(r, delay(job)));
    running.splice(running.indexOf(job), 1);
    return job.id;
  };
  return { run, peaks, order };
}

const jobs: Job[] = Array.from({ length: 20 }, (_, i) => ({
  id: `vm-${String(i).padStart(2, "0")}`,
  region: ["westeurope", "eu-west-1", "us-east-1"][i % 3],
  account: ["sub-a", "acct-b"][i % 2],
}));

describe("runBounded", () => {
  test.each([1, 2, 3, 5])("never runs more than %i at once and runs every job", async (n) => {
    const r = instrumented();
    const results = await runBounded(jobs, { concurrency: n }, r.run);
    expect(r.peaks.total).toBe(n);
    expect(results.map((x) => x.value)).toEqual(jobs.map((j) => j.id));
  });

  test("keeps the per-region and per-account limits", async () => {
    const r = instrumented();
    await runBounded(jobs, { concurrency: 6, perRegion: 1, perAccount: 2 }, r.run);
    expect(r.peaks.region).toBe(1);
    expect(r.peaks.account).toBeLessThanOrEqual(2);
    expect(r.order.sort()).toEqual(jobs.map((j) => j.id));
  });

  test("a failing job is reported, the others still run", async () => {
    const results = await runBounded(jobs.slice(0, 4), { concurrency: 2 }, async (j) => {
      if (j.id === "vm-01") throw new Error("boom");
      return j.id;
    });
    expect(results[1].error).toEqual(new Error("boom"));
    expect(results.filter((x) => x.value).length).toBe(3);
  });

  test("rejects a limit below 1 before anything runs", async () => {
    const run = jest.fn();
    await expect(runBounded(jobs, { concurrency: 0 }, run)).rejects.toThrow(RangeError);
    expect(run).not.toHaveBeenCalled();
  });
});

describe("withBackoff", () => {
  test("retries throttling errors with doubling delays, then succeeds", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const value = await withBackoff(
      jobs[0],
      async () => {
        if (++calls < 3)
          throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
        return "ok";
      },
      { baseDelayMs: 100, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(value).toBe("ok");
    expect(sleeps).toEqual([100, 200]);
  });

  test("does not retry other errors, and gives up after the attempts", async () => {
    const sleep = jest.fn(async () => undefined);
    await expect(
      withBackoff(jobs[0], async () => Promise.reject(new Error("disk not found")), { sleep }),
    ).rejects.toThrow("disk not found");
    expect(sleep).not.toHaveBeenCalled();
    let calls = 0;
    await expect(
      withBackoff(
        jobs[0],
        async () => {
          calls++;
          throw Object.assign(new Error("Too many requests"), { statusCode: 429 });
        },
        { attempts: 3, sleep },
      ),
    ).rejects.toThrow("Too many requests");
    expect(calls).toBe(3);
  });

  test.each([
    [{ statusCode: 429 }, true],
    [{ code: "TooManyRequests", message: "x" }, true],
    [{ name: "RequestLimitExceeded", message: "Request limit exceeded." }, true],
    [new Error("ThrottlingException: Rate exceeded"), true],
    [new Error("OperationNotAllowed"), false],
    ["ResourceNotFound", false],
  ])("isThrottling(%p) is %p", (e, want) => {
    expect(isThrottling(e)).toBe(want);
  });
});

describe("modeledSchedule", () => {
  test("schedules modeled durations under the limits", () => {
    const j = (id: string, region: string, seconds: number) => ({
      id,
      region,
      account: "a",
      seconds,
    });
    const list = [j("a", "r1", 100), j("b", "r1", 100), j("c", "r2", 50), j("d", "r2", 50)];
    expect(modeledSchedule(list, { concurrency: 4 }).totalSeconds).toBe(100);
    expect(modeledSchedule(list, { concurrency: 1 }).totalSeconds).toBe(300);
    expect(modeledSchedule(list, { concurrency: 4, perRegion: 1 }).totalSeconds).toBe(200);
    expect(modeledSchedule(list, { concurrency: 2 }).starts.get("c")).toBe(100);
  });
});
