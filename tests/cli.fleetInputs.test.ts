/**
 * `vm-rescue fleet`: bad inputs give exit 2 and one `vm-rescue:` line naming the file and the field
 * (the command in this process); through the built CLI (`npm run build` first), SIGTERM stops a
 * fleet after the rescue in flight, keeps the finished VMs in the state file and exits 130.
 * Timeouts only guard against a hang.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLES, REPO_ROOT } from "./helpers/paths";
import { runCliInProcess as runCli, type CliRun } from "./helpers/cliInProcess";

const CLI = path.join(REPO_ROOT, "bin", "vm-rescue.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-fleet-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, content: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
};

const run = runCli;

/** Exit 2, nothing on stdout, one `vm-rescue:` line matching `line`. */
function expectUsage(r: CliRun, line: RegExp) {
  expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(line)]);
  expect(r.err).toMatch(/^vm-rescue: /);
  expect(r.out).toBe("");
  expect(r.code).toBe(2);
}

describe("vm-rescue fleet: bad input is exit 2 with one line naming the file and field", () => {
  test("--state that is not JSON, or not a fleet state", async () => {
    const notJson = file("bad.json", "{ nope");
    expectUsage(
      await run(["fleet", "--simulate", "--state", notJson]),
      /fleet state file .*bad\.json/,
    );
    const v2 = file("v2.json", JSON.stringify({ fleetStateVersion: 2, vms: {} }));
    expectUsage(
      await run(["fleet", "--simulate", "--state", v2]),
      /v2\.json: fleetStateVersion: expected 1, got 2/,
    );
    const vms = file("vms.json", JSON.stringify({ fleetStateVersion: 1, vms: [] }));
    expectUsage(
      await run(["fleet", "--simulate", "--state", vms]),
      /vms\.json: vms: expected an object/,
    );
  });

  test("fleet merge of a file that is no shard report names the file and the field", async () => {
    const obj = file("obj.json", JSON.stringify({ a: 1 }));
    expectUsage(
      await run(["fleet", "merge", obj]),
      /obj\.json: not a fleet report .*missing field fleetReportVersion/,
    );
    const noVms = file(
      "novms.json",
      JSON.stringify({
        fleetReportVersion: 1,
        mode: "simulated",
        limits: { concurrency: 1, perRegion: null, perAccount: null },
        shard: "1/1",
        startedAt: "2026-12-01T08:00:00.000Z",
        vms: [{ id: "x" }],
        totals: {},
        modeledSeconds: 0,
        exitCode: 0,
      }),
    );
    expectUsage(await run(["fleet", "merge", noVms]), /novms\.json: not a fleet report .*vms\.0: /);
  });

  test("a fleet file without any VM is bad input, not a refusal", async () => {
    const obj = file("a.json", JSON.stringify({ a: 1 }));
    expectUsage(await run(["fleet", obj, "--yes"]), /a\.json: no VM in the fleet file \(entry 0: /);
    expectUsage(await run(["fleet", file("empty.json", "[]"), "--yes"]), /empty\.json: no VM/);
  });

  test("the file's name is said once", async () => {
    const r = await run(["fleet", file("broken.json", "{")]);
    expectUsage(r, /the fleet file .*broken\.json/);
    expect(r.err).not.toMatch(/file file/);
  });

  test("--retries is checked before the confirmation", async () => {
    // Without --yes and without a terminal the confirmation would refuse: the flag comes first.
    expectUsage(
      await run(["fleet", path.join(EXAMPLES, "azure-vm.json"), "--retries", "0"]),
      /--retries must be a whole number/,
    );
  });
});

test("SIGTERM stops the fleet: no waiting rescue starts, the state keeps the finished, exit 130", async () => {
  const state = path.join(tmp, "state.json");
  const child = spawn(
    process.execPath,
    [CLI, "fleet", "--simulate", "--json", "--concurrency", "1", "--state", state],
    { env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
    // after the first VM is done, while the second runs
    if (/app-vm-01: rescued/.test(err) && !child.killed) child.kill("SIGTERM");
  });
  const code = await new Promise<number | null>((done) => child.on("close", done));
  expect(err).toMatch(/SIGTERM: stopping the fleet/);
  expect(code).toBe(130);
  const report = JSON.parse(out) as { vms: { label: string; summary: string }[] };
  const notStarted = report.vms.filter((v) => v.summary.startsWith("not started"));
  expect(notStarted.length).toBeGreaterThanOrEqual(3);
  // none of them started: no rescue line after the signal names one of them
  const afterSignal = err.slice(err.indexOf("SIGTERM:"));
  for (const v of notStarted) expect(afterSignal).not.toContain(`${v.label}: rescue started`);
  const saved = JSON.parse(fs.readFileSync(state, "utf8")) as {
    vms: Record<string, { label: string; outcome: string }>;
  };
  const kept = Object.values(saved.vms);
  expect(kept.find((v) => /app-vm-01/.test(v.label))?.outcome).toBe("rescued");
  for (const v of notStarted) expect(kept.map((k) => k.label)).not.toContain(v.label);
}, 120_000);
