import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlanError } from "../../vocabulary/errors";
import type { RescueReport } from "../../report/types";
import { readInventory, type FleetVm } from "./inventory";
import { FleetStateFile, mergeFleetReports, runFleet, shardOf, type FleetRunner } from "./run";
import { builtInFleet } from "./simulated";
import { renderFleetMarkdown } from "../../report/fleet";

const inventory = readInventory(builtInFleet());
const START = new Date("2026-12-01T08:00:00Z");

/** A runner that refuses Linux, fails app-vm-02 once with a throttling error, rescues the rest. */
function fakeRunner(log: string[] = []): FleetRunner {
  const tries = new Map<string, number>();
  return {
    mode: "simulated",
    async plan(vm) {
      if (vm.cloud === "azure" && vm.vm.storageProfile?.osDisk?.osType === "Linux")
        throw new PlanError("not-windows", "the VM runs Linux");
    },
    async rescue(vm: FleetVm) {
      log.push(vm.id);
      const n = (tries.get(vm.id) ?? 0) + 1;
      tries.set(vm.id, n);
      if (vm.label.includes("app-vm-02") && n === 1)
        throw Object.assign(new Error("Too Many Requests"), { statusCode: 429 });
      return {
        status: "rescued",
        summary: `${vm.label} was rescued`,
        errors: [],
        timeToRecovery: { modeledSeconds: 600 },
      } as unknown as RescueReport;
    },
  };
}

const options = { limits: { concurrency: 2 }, startedAt: START, retry: { sleep: async () => {} } };

describe("readInventory", () => {
  test("reads the built-in fleet: six VMs over two clouds, with region and account", () => {
    expect(inventory.unreadable).toEqual([]);
    expect(inventory.vms.map((v) => [v.cloud, v.region, v.account])).toEqual([
      ["azure", "westeurope/1", "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10"],
      ["azure", "westeurope/1", "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10"],
      ["azure", "westeurope/1", "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10"],
      ["aws", "eu-west-1", "123456789012"],
      ["aws", "eu-west-1", "123456789012"],
      ["aws", "us-east-1", "210987654321"],
    ]);
  });

  test("reads az vm list, a Resource Graph result and a describe-instances result", () => {
    const vms = inventory.vms
      .filter((v) => v.cloud === "azure")
      .map((v) => (v as { vm: object }).vm);
    expect(readInventory(vms).vms).toHaveLength(3);
    const rows = vms.map((vm) => {
      const { id, name, location, resourceGroup, ...properties } = vm as Record<string, unknown>;
      return {
        id,
        name,
        location,
        resourceGroup,
        type: "microsoft.compute/virtualmachines",
        properties,
      };
    });
    const graph = readInventory({ count: 3, data: rows });
    expect(graph.vms.map((v) => v.label)).toEqual([
      "rg-app-prod/app-vm-01",
      "rg-app-prod/app-vm-02",
      "rg-app-prod/web-linux-01",
    ]);
    const aws = builtInFleet().slice(3) as { awsInstance: { Reservations: unknown[] } }[];
    const many = { Reservations: aws.flatMap((a) => a.awsInstance.Reservations) };
    expect(readInventory(many).vms.map((v) => v.id)).toEqual([
      "i-0a1b2c3d4e5f6901",
      "i-0a1b2c3d4e5f6902",
      "i-0a1b2c3d4e5f6903",
    ]);
  });

  test("an entry that is no VM is listed, not fatal", () => {
    const r = readInventory([{ hello: 1 }, ...builtInFleet().slice(0, 1)]);
    expect(r.vms).toHaveLength(1);
    expect(r.unreadable).toEqual([{ index: 0, reason: expect.stringMatching(/neither/) }]);
  });
});

describe("runFleet", () => {
  test("an unreadable entry is counted among the VMs, not as an Azure VM", async () => {
    const r = await runFleet(
      readInventory([{ hello: 1 }, ...builtInFleet().slice(3, 4)]),
      options,
      fakeRunner(),
    );
    expect(r.totals).toMatchObject({ vms: 2, refused: 1, byCloud: { azure: 0, aws: 1 } });
    const md = renderFleetMarkdown(r);
    expect(md).toContain("2 VMs (0 Azure, 1 AWS, 1 unreadable)");
    expect(md).toContain("| entry 0 of the fleet file | – |");
  });

  test("plans first: a refused VM is never rescued; throttling is retried", async () => {
    const log: string[] = [];
    const report = await runFleet(inventory, options, fakeRunner(log));
    const linux = report.vms.find((v) => v.label.includes("web-linux-01"))!;
    expect(linux).toMatchObject({ outcome: "refused", refusal: "not-windows", stack: null });
    expect(log).not.toContain(linux.id);
    expect(report.vms.find((v) => v.label.includes("app-vm-02"))).toMatchObject({
      outcome: "rescued",
      attempts: 2,
    });
    expect(report.totals).toMatchObject({ vms: 6, rescued: 5, refused: 1 });
    // five VMs of 600 s, two at a time: three rounds
    expect(report.modeledSeconds).toBe(1800);
    expect(report.exitCode).toBe(4);
  });

  test("a rerun with the state file skips the rescued and continues the rest", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-state-"));
    const file = path.join(dir, "state.json");
    // The first run stops after two rescues (the process dies: later rescues throw).
    const inner = fakeRunner();
    let done = 0;
    const dying: FleetRunner = {
      ...inner,
      async rescue(vm, stack, attempt) {
        if (done >= 2) throw new Error("interrupted");
        const r = await inner.rescue(vm, stack, attempt);
        done++;
        return r;
      },
    };
    const first = await runFleet(
      inventory,
      { ...options, limits: { concurrency: 1 }, state: new FleetStateFile(file) },
      dying,
    );
    expect(first.totals.rescued).toBe(2);
    const log: string[] = [];
    const second = await runFleet(
      inventory,
      { ...options, state: new FleetStateFile(file) },
      fakeRunner(log),
    );
    const earlier = first.vms.filter((v) => v.outcome === "rescued").map((v) => v.id);
    expect(log.filter((id) => earlier.includes(id))).toEqual([]);
    expect(second.totals).toMatchObject({ rescued: 5, resumed: 2, failed: 0 });
    expect(log).toHaveLength(3); // the three left
  });

  test("each result lands in the state file as it comes: a run that hangs after two keeps them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-state-"));
    const file = path.join(dir, "state.json");
    const inner = fakeRunner();
    const vms = new Set<string>();
    const events: string[] = [];
    const hanging: FleetRunner = {
      ...inner,
      // The third VM's rescue never settles (the process is killed while it runs).
      rescue: (vm, stack, attempt) =>
        vms.add(vm.id).size > 2
          ? new Promise<RescueReport>(() => {})
          : inner.rescue(vm, stack, attempt),
    };
    void runFleet(
      inventory,
      {
        ...options,
        limits: { concurrency: 1 },
        state: new FleetStateFile(file),
        onEvent: (e) => events.push(e.kind),
      },
      hanging,
    );
    for (let i = 0; i < 50 && vms.size < 3; i++) await new Promise((r) => setImmediate(r));
    expect(vms.size).toBe(3);
    expect(events.filter((k) => k === "done")).toHaveLength(2);
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as {
      vms: Record<string, { outcome: string }>;
    };
    const rescued = Object.keys(saved.vms).filter((id) => saved.vms[id].outcome === "rescued");
    expect(rescued).toHaveLength(2);
    expect(fs.readdirSync(dir)).toEqual(["state.json"]); // written aside, then renamed
    const log: string[] = [];
    const rerun = await runFleet(
      inventory,
      { ...options, state: new FleetStateFile(file) },
      fakeRunner(log),
    );
    expect(log.filter((id) => rescued.includes(id))).toEqual([]);
    expect(rerun.totals).toMatchObject({ rescued: 5, resumed: 2 });
  });

  test("once the signal aborts no waiting VM starts; those are left out of the state", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-state-"));
    const file = path.join(dir, "state.json");
    const stop = new AbortController();
    const log: string[] = [];
    const first = await runFleet(
      inventory,
      {
        ...options,
        limits: { concurrency: 1 },
        state: new FleetStateFile(file),
        signal: stop.signal,
        onEvent: (e) => {
          if (e.kind === "done") stop.abort(); // SIGTERM after the first VM
        },
      },
      fakeRunner(log),
    );
    expect(log).toHaveLength(1);
    expect(first.totals).toMatchObject({ vms: 6, rescued: 1, refused: 1, failed: 4 });
    expect(first.vms.filter((v) => v.summary.startsWith("not started"))).toHaveLength(4);
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { vms: object };
    expect(Object.keys(saved.vms)).toHaveLength(2); // the rescued one and the refused one
    const rerun: string[] = [];
    const second = await runFleet(
      inventory,
      { ...options, state: new FleetStateFile(file) },
      fakeRunner(rerun),
    );
    expect(rerun).not.toContain(log[0]);
    expect(second.totals).toMatchObject({ rescued: 5, resumed: 1, failed: 0 });
  });

  test("never more rescues in flight than the concurrency, nor per region or account", async () => {
    const cases: { concurrency: number; perRegion?: number; perAccount?: number }[] = [
      { concurrency: 1 },
      { concurrency: 2 },
      { concurrency: 3, perRegion: 1 },
      { concurrency: 4, perAccount: 1 },
    ];
    for (const limits of cases) {
      const inFlight: FleetVm[] = [];
      let most = 0;
      const seen: string[][] = [];
      const inner = fakeRunner();
      const recording: FleetRunner = {
        ...inner,
        async rescue(vm, stack, attempt) {
          inFlight.push(vm);
          most = Math.max(most, inFlight.length);
          seen.push(inFlight.map((v) => `${v.region}|${v.account}`));
          await new Promise((r) => setTimeout(r, 5));
          try {
            return await inner.rescue(vm, stack, attempt);
          } finally {
            inFlight.splice(inFlight.indexOf(vm), 1);
          }
        },
      };
      const report = await runFleet(inventory, { ...options, limits }, recording);
      expect(report.totals.rescued).toBe(5);
      expect(most).toBeLessThanOrEqual(limits.concurrency);
      if (limits.concurrency > 1 && !limits.perRegion && !limits.perAccount)
        expect(most).toBe(limits.concurrency); // the limit is used, not just respected
      for (const set of seen) {
        const per = (i: number) => {
          const n = new Map<string, number>();
          for (const k of set) n.set(k.split("|")[i], (n.get(k.split("|")[i]) ?? 0) + 1);
          return Math.max(...n.values());
        };
        if (limits.perRegion) expect(per(0)).toBeLessThanOrEqual(limits.perRegion);
        if (limits.perAccount) expect(per(1)).toBeLessThanOrEqual(limits.perAccount);
      }
    }
  });

  test("shards cover the fleet exactly once and merge to the single run", async () => {
    const single = await runFleet(inventory, options, fakeRunner());
    for (const n of [1, 2, 3, 7]) {
      const shards = [];
      for (let k = 1; k <= n; k++)
        shards.push(
          await runFleet(inventory, { ...options, shard: { index: k, count: n } }, fakeRunner()),
        );
      const ids = shards.flatMap((s) => s.vms.map((v) => v.id));
      expect(ids.sort()).toEqual(inventory.vms.map((v) => v.id).sort());
      expect(mergeFleetReports(shards)).toEqual(single);
    }
    expect(() => mergeFleetReports([single, single])).toThrow(RangeError);
    // a VM in a report that names a shard it does not belong to
    const two = [1, 2].map((k) => ({ ...single, shard: `${k}/2`, vms: [] as typeof single.vms }));
    for (const v of single.vms) two[shardOf(v.id, 2) - 1].vms.push(v);
    expect(mergeFleetReports(two)).toEqual(single);
    const moved = two[1].vms[0];
    const wrong = [
      { ...two[0], vms: [...two[0].vms, moved] },
      { ...two[1], vms: two[1].vms.slice(1) },
    ];
    expect(() => mergeFleetReports(wrong)).toThrow(
      new RangeError(`${moved.label} belongs to shard 2/2, not to 1/2`),
    );
  });

  test("shardOf is stable and spreads the ids", () => {
    expect(shardOf("i-0123", 4)).toBe(shardOf("I-0123", 4));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[shardOf(`i-${i}`, 4) - 1]++;
    for (const c of counts) expect(c).toBeGreaterThan(60);
  });
});
