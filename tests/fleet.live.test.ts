/**
 * The live fleet over the fake Automation API: one stack per VM even when two VMs share a name
 * (two resource groups, two subscriptions), the same stacks in every shard, and the progress of each
 * rescue labelled by its VM.
 */
import { fakeStackAutomation } from "./helpers/fakeAutomation";
import { readInventory } from "../src/engine/fleet/inventory";
import { FleetStateFile, runFleet, shardOf } from "../src/engine/fleet/run";
import { builtInFleet } from "../src/engine/fleet/simulated";
import { liveFleetRunner } from "../src/engine/fleet/live";
import { fleetStack, fleetStacks } from "../src/engine/fleet/stacks";
import { memoryReader } from "../src/engine/artifacts";
import { main } from "../src/cli/main";
import { defaultDeps } from "../src/cli/deps";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const START = new Date("2026-12-01T08:00:00Z");

/** app-vm-01 in rg-app-prod, in rg-app-dr and in a second subscription; app-vm-02; one AWS VM. */
function sameNamedFleet(): unknown[] {
  const [one, two, , aws] = builtInFleet();
  const moved = (from: string, to: string) => JSON.parse(JSON.stringify(one).split(from).join(to));
  return [
    one,
    moved("rg-app-prod", "rg-app-dr"),
    moved("6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10", "0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10"),
    two,
    aws,
  ];
}

function liveRun(fake: ReturnType<typeof fakeStackAutomation>, lines: string[] = []) {
  return liveFleetRunner({
    automation: fake.automation,
    deps: { now: () => START, artifacts: () => memoryReader({}) },
    choices: {},
    kmsGrantConfirmed: true,
    ui: (vm) => ({
      log: (line) => lines.push(`[${vm.label}] ${line}`),
      progress: () => ({ onEvent: () => undefined, stop: () => undefined }),
    }),
  });
}

test("two VMs of one name get two stacks; the shards name them alike", async () => {
  const inventory = readInventory(sameNamedFleet());
  expect(inventory.vms.map((v) => fleetStack(v)).slice(0, 3)).toEqual([
    "app-vm-01-rescue",
    "app-vm-01-rescue",
    "app-vm-01-rescue",
  ]);
  const fake = fakeStackAutomation({ swapped: true, booted: true });
  const report = await runFleet(
    inventory,
    { limits: { concurrency: 2 }, startedAt: START },
    liveRun(fake),
  );
  const opened = fake.calls.filter((c) => c.startsWith("openStack")).map((c) => c.split(" ")[1]);
  expect(opened).toHaveLength(5);
  expect(new Set(opened).size).toBe(5);
  const stacks = report.vms.map((v) => v.stack!);
  expect(new Set(stacks).size).toBe(5);
  for (const s of stacks) expect(s.length).toBeLessThanOrEqual(24);
  // each stack is held to its VM's subscription or account, not the credentials' default
  const held = Object.fromEntries(
    report.vms.map((v) => {
      const c = fake.byStack[v.stack!];
      return [v.id, c["azure-native:subscriptionId"] ?? c["aws:allowedAccountIds[0]"]];
    }),
  );
  expect(held).toEqual(Object.fromEntries(inventory.vms.map((v) => [v.id, v.account])));
  const moved = report.vms.find((v) => v.id.includes("/subscriptions/0b0b0b0b-"))!;
  expect(fake.byStack[moved.stack!]).toMatchObject({
    "azure-native:subscriptionId": "0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10",
    "vm-rescue:resourceGroup": "rg-app-prod",
    "vm-rescue:vmName": "app-vm-01",
  });
  const aws = report.vms.find((v) => v.cloud === "aws")!;
  expect(fake.byStack[aws.stack!]["aws:allowedAccountIds[0]"]).toBe("123456789012");
  // the VMs that do not share a name keep the default stack
  const byLabel = Object.fromEntries(report.vms.map((v) => [v.label, v.stack]));
  expect(byLabel["rg-app-prod/app-vm-02"]).toBe("app-vm-02-rescue");
  expect(stacks.filter((s) => /^app-vm-01-rescue-[0-9a-f]{6}$/.test(s))).toHaveLength(3);
  // each shard sees the whole fleet file: the same stack for each VM as the single run
  for (const count of [2, 3]) {
    const fromShards = new Map<string, string>();
    for (let index = 1; index <= count; index++) {
      const shard = await runFleet(
        inventory,
        { limits: { concurrency: 2 }, startedAt: START, shard: { index, count } },
        liveRun(fakeStackAutomation({ swapped: true, booted: true })),
      );
      for (const v of shard.vms) fromShards.set(v.id, v.stack!);
    }
    expect(Object.fromEntries(fromShards)).toEqual(
      Object.fromEntries(report.vms.map((v) => [v.id, v.stack])),
    );
  }
  // and the names depend on the fleet, not on its order
  const reversed = fleetStacks([...inventory.vms].reverse());
  expect(Object.fromEntries(reversed)).toEqual(Object.fromEntries(fleetStacks(inventory.vms)));
});

test("a rerun keeps the stack a VM had, though a same-named VM joined the fleet", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-rerun-"));
  const state = path.join(dir, "state.json");
  const [one, , , , aws] = sameNamedFleet();
  const failing = fakeStackAutomation({}, { upError: "quota exceeded" });
  const first = await runFleet(
    readInventory([one, aws]),
    { limits: { concurrency: 1 }, startedAt: START, state: new FleetStateFile(state) },
    liveRun(failing),
  );
  expect(first.vms.map((v) => [v.outcome, v.stack])).toEqual([
    ["failed", "app-vm-01-rescue"],
    ["failed", expect.any(String)],
  ]);
  const fake = fakeStackAutomation({ swapped: true, booted: true });
  const again = await runFleet(
    readInventory(sameNamedFleet()),
    { limits: { concurrency: 1 }, startedAt: START, state: new FleetStateFile(state) },
    liveRun(fake),
  );
  const byId = Object.fromEntries(again.vms.map((v) => [v.id, v.stack]));
  expect(byId[first.vms[0].id]).toBe("app-vm-01-rescue");
  expect(new Set(Object.values(byId)).size).toBe(5);
  expect(fake.calls).toContain("openStack app-vm-01-rescue");
});

test("a failed rescue's rollback commands name the VM's subscription", async () => {
  const inventory = readInventory(sameNamedFleet());
  const vm = inventory.vms.find((v) => v.id.includes("/subscriptions/0b0b0b0b-"))!;
  const lines: string[] = [];
  const runner = liveRun(fakeStackAutomation({}, { upError: "quota exceeded" }), lines);
  const report = await runner.rescue(vm, "app-vm-01-rescue-0b", 1);
  const sub = "--subscription 0b0b0b0b-41c7-4d2e-9a55-0c8d4b7e2f10";
  expect(lines).toContainEqual(
    expect.stringContaining(
      `vm-rescue rollback --cloud azure --resource-group rg-app-prod --vm app-vm-01 --stack app-vm-01-rescue-0b ${sub}\``,
    ),
  );
  expect(report.status).toBe("failed");
  // a rescued VM's report: its rollback names the subscription; `rescue` (which takes none) does not
  const rescued = await liveRun(fakeStackAutomation({ swapped: true, booted: true })).rescue(
    vm,
    "app-vm-01-rescue-0b",
    1,
  );
  const rollbacks = rescued.nextSteps.filter((s) => s.includes("vm-rescue rollback"));
  expect(rollbacks.length).toBeGreaterThan(0);
  for (const s of rollbacks) expect(s).toContain(sub);
});

test("an AWS VM of an unknown account: its stack is not pinned and its line says so", async () => {
  const entry = builtInFleet()[3] as {
    awsInstance: { Reservations: Record<string, unknown>[] };
  };
  delete entry.awsInstance.Reservations[0].OwnerId;
  const inventory = readInventory([entry]);
  expect(inventory.vms[0].account).toBe("unknown");
  const fake = fakeStackAutomation({ swapped: true, booted: true });
  const lines: string[] = [];
  const report = await runFleet(
    inventory,
    { limits: { concurrency: 1 }, startedAt: START },
    liveRun(fake, lines),
  );
  const stack = report.vms[0].stack!;
  expect(Object.keys(fake.byStack[stack]).filter((k) => !k.startsWith("vm-rescue:"))).toEqual([]);
  expect(lines).toContainEqual(
    expect.stringMatching(/^\[[^\]]+\] account unknown .*not pinned to an account/),
  );
});

test("vm-rescue fleet (live, fake Automation API): each rescue's progress labelled by its VM", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-live-"));
  const file = path.join(dir, "fleet.json");
  fs.writeFileSync(file, JSON.stringify(builtInFleet().slice(0, 2)));
  const urn = (vm: string, type: string, name: string) =>
    `urn:pulumi:${vm}-rescue::vm-rescue::vm-rescue:index:AzureWindowsRescue$${type}::${name}`;
  const step = (vm: string, type: string, name: string, t: number) => [
    {
      sequence: 0,
      timestamp: t,
      resourcePreEvent: { metadata: { op: "create", urn: urn(vm, type, name), type } },
    },
    {
      sequence: 0,
      timestamp: t + 45,
      resOutputsEvent: { metadata: { op: "create", urn: urn(vm, type, name), type } },
    },
  ];
  const fake = fakeStackAutomation(
    { swapped: true, booted: true },
    {
      upEvents: step(
        "app-vm-01",
        "azure-native:compute:Snapshot",
        "app-vm-01-rescue-snapshot",
        1_800_000_000,
      ),
    },
  );
  const original = { ...defaultDeps };
  defaultDeps.automation = () => fake.automation;
  defaultDeps.artifacts = () => memoryReader({});
  const stdout: string[] = [];
  const stderr: string[] = [];
  try {
    const code = await main(
      ["fleet", file, "--yes", "--json", "--state", path.join(dir, "s.json")],
      {
        isTty: false,
        out: (t) => stdout.push(t),
        err: (t) => stderr.push(t),
      },
    );
    expect(code).toBe(0);
  } finally {
    Object.assign(defaultDeps, original);
  }
  expect(JSON.parse(stdout.join(""))).toMatchObject({ mode: "live", totals: { vms: 2 } });
  for (const vm of ["rg-app-prod/app-vm-01", "rg-app-prod/app-vm-02"]) {
    expect(stderr).toContain(`[${vm}] [  0:00] prepare started`);
    expect(stderr).toContain(`[${vm}] [  0:45] prepare finished (1 step)`);
  }
});

test("the confirmation counts the VMs this shard would rescue, not the whole file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-confirm-"));
  const file = path.join(dir, "fleet.json");
  fs.writeFileSync(file, JSON.stringify(builtInFleet()));
  const inventory = readInventory(builtInFleet());
  const fake = fakeStackAutomation({});
  const original = { ...defaultDeps };
  const asked: string[] = [];
  defaultDeps.automation = () => fake.automation;
  defaultDeps.confirm = async (q) => (asked.push(q), false);
  try {
    for (const k of [1, 2]) {
      const code = await main(
        [
          "fleet",
          file,
          "--shard",
          `${k}/2`,
          "--state",
          path.join(dir, "s"),
          "--kms-grant-confirmed",
        ],
        {
          isTty: true,
          out: () => undefined,
          err: () => undefined,
        },
      );
      expect(code).toBe(2);
    }
  } finally {
    Object.assign(defaultDeps, original);
  }
  // the Linux VM is refused by the plan: not counted
  const expected = [1, 2].map(
    (k) =>
      inventory.vms.filter((v) => shardOf(v.id, 2) === k && !v.label.includes("web-linux")).length,
  );
  expect(expected[0] + expected[1]).toBe(5);
  expect(asked).toEqual(
    expected.map((n, i) =>
      expect.stringContaining(
        `rescue ${n} VM${n === 1 ? "" : "s"} (shard ${i + 1}/2), 4 at a time`,
      ),
    ),
  );
  expect(fake.calls.filter((c) => c.startsWith("openStack"))).toEqual([]);
});
