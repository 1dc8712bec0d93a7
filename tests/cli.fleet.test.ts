import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCliInProcess as run } from "./helpers/cliInProcess";
import { defaultDeps } from "../src/cli/deps";
import type { FleetReport } from "../src/report/fleet";
import { validateFleetReport as validate } from "./helpers/reportSchemas";

const NOW = new Date("2026-12-01T08:00:00Z");
let realNow: typeof defaultDeps.now;
beforeAll(() => {
  realNow = defaultDeps.now;
  defaultDeps.now = () => NOW;
});
afterAll(() => {
  defaultDeps.now = realNow;
});

describe("vm-rescue fleet", () => {
  test("--help shows --concurrency, the limits, --shard and merge", async () => {
    const { code, out } = await run(["fleet", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--concurrency", "--per-region", "--per-account", "--shard", "--state"])
      expect(out).toContain(flag);
    expect(out).toMatch(/merge/);
    expect(out.replace(/\s+/g, " ")).toMatch(/simulated rescues run one at a time/);
  });

  test("without a file or --simulate is a usage error", async () => {
    const { code, err } = await run(["fleet"]);
    expect(code).toBe(2);
    expect(err).toMatch(/needs a file/);
  });

  test("a report path that cannot be written is refused before anything is planned", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-out-"));
    for (const args of [
      ["--report", path.join(dir, "missing", "r.json")],
      ["--markdown", dir],
    ]) {
      const { code, out, err } = await run(["fleet", "--simulate", ...args]);
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err.trim().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^vm-rescue: ${args[0]} .*cannot write the report there`)),
      ]);
    }
    const merged = await run(["fleet", "merge", "x.json", "--report", path.join(dir, "no", "m")]);
    expect([merged.code, merged.err]).toEqual([2, expect.stringContaining("no folder")]);
  });

  test("--concurrency 0 is a usage error", async () => {
    const { code } = await run(["fleet", "--simulate", "--concurrency", "0"]);
    expect(code).toBe(2);
  });
});

describe("vm-rescue fleet --simulate over the built-in fleet", () => {
  // One whole run, made here so that each test below also runs alone (`-t`).
  let whole: Awaited<ReturnType<typeof run>>;
  let single: FleetReport;
  beforeAll(async () => {
    whole = await run(["fleet", "--simulate", "--json", "--concurrency", "3", "--per-region", "2"]);
    single = JSON.parse(whole.out) as FleetReport;
  }, 180_000);

  test("--simulate --json reports the built-in mixed fleet over both clouds", () => {
    const { code, err } = whole;
    expect(validate(single)).toBe(true);
    expect(validate.errors ?? null).toBeNull();
    expect(single.vms.length).toBeGreaterThanOrEqual(5);
    expect(single.totals.byCloud.azure).toBeGreaterThan(0);
    expect(single.totals.byCloud.aws).toBeGreaterThan(0);
    expect(single.limits).toEqual({ concurrency: 3, perRegion: 2, perAccount: null });
    const outcome = (label: RegExp) => single.vms.find((v) => label.test(v.label))?.outcome;
    expect(outcome(/web-linux-01/)).toBe("refused");
    expect(outcome(/app-ec2-902/)).toBe("blocked");
    expect(outcome(/app-vm-02/)).toBe("failed");
    expect(outcome(/app-vm-01/)).toBe("rescued");
    expect(outcome(/app-ec2-901/)).toBe("rescued");
    // the refused VM got no stack: nothing was created for it
    expect(single.vms.find((v) => v.outcome === "refused")?.stack).toBeNull();
    expect(single.modeledSeconds).toBeGreaterThan(0);
    expect(code).toBe(1);
    // stdout is the JSON alone; progress went to stderr
    expect(err).toMatch(/fleet: .*web-linux-01.*refused/);
  });

  test("shards cover the fleet once and their merge equals the single run", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-shards-"));
    const files: string[] = [];
    for (const k of [1, 2, 3]) {
      const file = path.join(dir, `shard-${k}.json`);
      files.push(file);
      const args = ["fleet", "--simulate", "--concurrency", "3", "--per-region", "2"];
      await run([...args, "--shard", `${k}/3`, "--report", file]);
    }
    const shards = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as FleetReport);
    const ids = shards.flatMap((s) => s.vms.map((v) => v.id)).sort();
    expect(ids).toEqual(single.vms.map((v) => v.id).sort());
    const merged = await run(["fleet", "merge", ...files, "--json"]);
    expect(JSON.parse(merged.out)).toEqual(single);
    const twice = await run(["fleet", "merge", files[0], files[0], "--json"]);
    expect(twice.code).toBe(2);
  }, 300_000);
});

describe("vm-rescue rescue --simulate progress", () => {
  test("prints a line per phase and repair operation on stderr; stdout is the JSON report", async () => {
    const { code, out, err } = await run(["rescue", "--simulate", "--yes", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).status).toBe("rescued");
    const lines = err.split("\n").filter((l) => /^\[\s*\d+:\d\d\] /.test(l));
    const phases = lines.map((l) => /\] (\w+) (started|finished)/.exec(l)?.[1]).filter(Boolean);
    // Azure: no collect or triage on the helper; the diagnosis from the backup is part of prepare
    expect([...new Set(phases)]).toEqual(["prepare", "repair", "swap", "verify", "teardown"]);
    const repairStart = lines.findIndex((l) => /\] repair started/.test(l));
    const repairEnd = lines.findIndex((l) => /\] repair finished/.test(l));
    const op = lines.findIndex((l) =>
      /\] repair: operation \d+ of \d+: DisableDriver succeeded/.test(l),
    );
    expect(op).toBeGreaterThan(repairStart);
    expect(op).toBeLessThan(repairEnd);
  }, 60_000);

  test("an AWS rescue's phases start in order; the stop of copy mode runs beside the collect, so the preparation ends after the collect started", async () => {
    const { code, err } = await run(["rescue", "--simulate", "--cloud", "aws", "--yes", "--json"]);
    expect(code).toBe(0);
    const phases = err
      .split("\n")
      .map((l) => /^\[\s*\d+:\d\d\] (\w+) (started|finished)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(phases).toEqual([
      "prepare started",
      "collect started",
      "prepare finished",
      "collect finished",
      ...["triage", "repair", "swap", "verify", "teardown"].flatMap((p) => [
        `${p} started`,
        `${p} finished`,
      ]),
    ]);
  }, 60_000);

  test("--progress=json writes NDJSON events to stderr only", async () => {
    const { out, err } = await run(["rescue", "--simulate", "--yes", "--json", "--progress=json"]);
    expect(() => JSON.parse(out)).not.toThrow();
    const events = err
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { event: string; elapsedSeconds: number });
    expect(events.length).toBeGreaterThan(10);
    expect(events[0]).toEqual({
      event: "phase",
      phase: "prepare",
      status: "started",
      elapsedSeconds: 0,
    });
    const elapsed = events.map((e) => e.elapsedSeconds);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(events.some((e) => e.event === "repair-operation")).toBe(true);
  }, 60_000);
});
