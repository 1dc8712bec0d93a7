/**
 * The standby helper's steps against the simulated compute: the rescue's use (claim and start, and
 * at teardown detach, deallocate and release) and the StandbyHelper component's stop.
 */
import { SimulatedCompute } from "./simulated";
import { addSimulatedStandby, simulatedStandbyOps } from "./standbyOps";
import { standbyUseKind, type StandbyUseInputs } from "./standby";
import { RELEASE_MARGIN_MS } from "../../steps/contract";
import { standbyStopKind } from "./standbyHelper";
import { isPlanError } from "../../vocabulary/errors";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import type { SimulatedStandbyVm, StandbyOps } from "./standbyOps";

const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
const HELPER_ID = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.Compute/virtualMachines/standby-we-1`;
const COPY = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks/app-vm-01-copy`;
const OTHER = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks/other-copy`;

const ctx = {
  config: {},
  signal: new AbortController().signal,
  deadline: Date.now() + 3_600_000,
  log: () => undefined,
};

const inputs = (over: Partial<StandbyUseInputs> = {}): StandbyUseInputs => ({
  subscriptionId: SUB,
  helperResourceGroupName: "rg-platform",
  helperVmName: "standby-we-1",
  copyDiskId: COPY,
  location: "westeurope",
  zone: "1",
  rescueId: "inc-4711",
  ...over,
});

/** A start Azure refuses (no capacity). */
const allocationFailed = async () => {
  throw Object.assign(new Error("Allocation failed."), {
    statusCode: 409,
    code: "AllocationFailed",
  });
};

function world(
  facts: { location?: string; zone?: string | null; principalId?: string | null } = {},
) {
  const compute = new SimulatedCompute();
  addSimulatedStandby(compute, "rg-platform", "standby-we-1", {
    id: HELPER_ID,
    location: "westeurope",
    zone: "1",
    principalId: "11111111-2222-3333-4444-555555555555",
    ...facts,
  });
  const kind = standbyUseKind(() => simulatedStandbyOps(compute));
  const vm = () => compute.vm("rg-platform", "standby-we-1") as SimulatedStandbyVm;
  const writes = () => compute.calls.filter((c) => !c.startsWith("describe "));
  /** The step kind over the same compute with some of its calls replaced. */
  const kindWith = (over: (ops: StandbyOps) => Partial<StandbyOps>) => {
    const ops = simulatedStandbyOps(compute);
    return standbyUseKind(() => ({ ...ops, ...over(ops) }));
  };
  return { compute, kind, vm, writes, kindWith };
}

describe("StandbyHelperUse", () => {
  test("starts the helper and attaches nothing: the copy (which may not exist yet) comes later", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    // claimed for this rescue before it is started
    expect(w.writes()).toEqual([
      "setClaim rg-platform/standby-we-1 inc-4711",
      "start rg-platform/standby-we-1",
    ]);
    expect(w.vm()).toMatchObject({ powerState: "running", dataDiskIds: [] });
    expect(w.vm().tags).toEqual({ [STANDBY_CLAIM_TAG]: "inc-4711" });
    expect(outs).toMatchObject({
      helperId: HELPER_ID,
      principalId: "11111111-2222-3333-4444-555555555555",
      powerState: "running",
      dataDiskIds: [],
    });
    expect(id).toBe(`${HELPER_ID}/standby-use/inc-4711`);
  });

  test("converges: a second run after the copy's attach neither refuses nor starts again", async () => {
    const w = world();
    await w.kind.create(ctx, inputs());
    await w.compute.attachDataDisk("rg-platform", "standby-we-1", COPY, 0);
    const before = w.writes().length;
    await w.kind.update(ctx, "x", {} as never, inputs());
    expect(w.writes()).toHaveLength(before);
  });

  test("teardown detaches the copy and deallocates: stopped, nothing attached", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    await w.compute.attachDataDisk("rg-platform", "standby-we-1", COPY, 0);
    await w.kind.delete(ctx, id, outs);
    expect(w.vm()).toMatchObject({ powerState: "deallocated", dataDiskIds: [] });
    // the claim goes last
    expect(w.writes().slice(-3)).toEqual([
      `detachDataDisk rg-platform/standby-we-1 ${COPY}`,
      "deallocate rg-platform/standby-we-1",
      "setClaim rg-platform/standby-we-1 (none)",
    ]);
    expect(w.vm().tags).toEqual({});
  });

  test("teardown refuses a helper another rescue took meanwhile, changing nothing", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    await w.compute.attachDataDisk("rg-platform", "standby-we-1", COPY, 0);
    await w.compute.attachDataDisk("rg-platform", "standby-we-1", OTHER, 1);
    const before = w.writes().length;
    const e = await w.kind.delete(ctx, id, outs).catch((x) => x);
    expect(isPlanError(e, "standby-helper-in-use")).toBe(true);
    expect(e.message).toMatch(
      /standby helper standby-we-1 also holds \S+other-copy \(another rescue\?\): nothing was detached or deallocated/,
    );
    expect(w.writes().length).toBe(before);
    expect(w.vm()).toMatchObject({ powerState: "running", dataDiskIds: [COPY, OTHER] });
  });

  test("teardown after the swap took the copy only deallocates; a helper gone is no error", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    await w.kind.delete(ctx, id, outs);
    expect(w.writes().slice(-2)).toEqual([
      "deallocate rg-platform/standby-we-1",
      "setClaim rg-platform/standby-we-1 (none)",
    ]);
    w.compute.vms.clear();
    await expect(w.kind.delete(ctx, id, outs)).resolves.toBeUndefined();
  });

  test.each([
    ["in another region", { location: "northeurope" }, /is in northeurope, the VM in westeurope/],
    ["in another zone", { zone: "3" }, /is in zone 3, the VM in zone 1/],
    [
      "without a system-assigned identity",
      { principalId: null },
      /has no system-assigned managed identity/,
    ],
  ])("refuses a helper %s in one line, changing nothing", async (_what, facts, message) => {
    const w = world(facts);
    const e = await w.kind.create(ctx, inputs()).catch((x) => x);
    expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
    expect(e.message).toMatch(message);
    expect(w.writes()).toEqual([]);
    expect(w.vm()).toMatchObject({ powerState: "deallocated", dataDiskIds: [] });
  });

  test("refuses a helper another rescue uses (it holds another disk)", async () => {
    const w = world();
    w.vm().dataDiskIds.push(OTHER);
    const e = await w.kind.create(ctx, inputs()).catch((x) => x);
    expect(e.message).toMatch(/standby helper standby-we-1 is in use: it holds .*other-copy/);
    expect(w.writes()).toEqual([]);
  });

  test("refuses a helper another rescue claimed at the start and leaves it alone at teardown; its other tags are kept", async () => {
    const w = world();
    w.vm().tags = { owner: "platform", [STANDBY_CLAIM_TAG]: "inc-2" };
    const e = await w.kind.create(ctx, inputs()).catch((x) => x);
    expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
    expect(e.message).toBe(
      `standby helper standby-we-1 is claimed by rescue inc-2 (tag ${STANDBY_CLAIM_TAG}): another rescue uses it; once that rescue has ended and the tag is still there, remove it (az tag update --resource-id ${HELPER_ID} --operation Delete --tags ${STANDBY_CLAIM_TAG}=inc-2)`,
    );
    const d = await w.kind.delete(ctx, "x", inputs() as never).catch((x) => x);
    expect(isPlanError(d, "standby-helper-in-use")).toBe(true);
    expect(d.message).toMatch(/is claimed by rescue inc-2: nothing was detached or deallocated/);
    expect(w.writes()).toEqual([]);

    // once that claim is gone, this rescue claims it, keeping the other tags, and its teardown
    // removes only its claim
    w.vm().tags = { owner: "platform" };
    const { id, outs } = await w.kind.create(ctx, inputs());
    expect(w.vm().tags).toEqual({ owner: "platform", [STANDBY_CLAIM_TAG]: "inc-4711" });
    await w.kind.delete(ctx, id, outs);
    expect(w.vm().tags).toEqual({ owner: "platform" });
  });

  test("a helper Azure gives no ETag for is refused: its claim cannot be written safely", async () => {
    const w = world();
    const noEtag = w.kindWith((ops) => ({
      describe: async (rg, name) => ({ ...(await ops.describe(rg, name)), etag: null }),
    }));
    const e = await noEtag.create(ctx, inputs()).catch((x) => x);
    expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
    expect(e.message).toBe(
      "Azure returned no ETag for standby helper standby-we-1: its claim cannot be written safely (a write without If-Match is last-writer-wins); nothing was changed",
    );
    expect(w.writes()).toEqual([]);
  });

  test("a create whose start fails after the claim removes the claim (no resource is left to destroy) and reports its own error", async () => {
    const w = world();
    const failing = w.kindWith(() => ({ start: allocationFailed }));
    const e = await failing.create(ctx, inputs()).catch((x) => x);
    expect(e.message).toMatch(
      /starting standby helper standby-we-1 failed \(HTTP 409 AllocationFailed\)/,
    );
    expect(w.writes()).toEqual([
      "setClaim rg-platform/standby-we-1 inc-4711",
      "setClaim rg-platform/standby-we-1 (none)",
    ]);
    expect(w.vm().tags).toEqual({});
    // another rescue can take it now
    await w.kind.create(ctx, inputs({ rescueId: "inc-2" }));
    expect(w.vm().tags?.[STANDBY_CLAIM_TAG]).toBe("inc-2");
  });

  test("a create's start gives up a minute before the step's deadline, so the claim is still released", async () => {
    const w = world();
    // a start that outlasts the step
    const slow = w.kindWith(() => ({ start: () => new Promise<void>(() => undefined) }));
    const soon = { ...ctx, deadline: Date.now() + RELEASE_MARGIN_MS + 200 };
    const e = await slow.create(soon, inputs()).catch((x) => x);
    expect(e.message).toMatch(/starting standby helper standby-we-1 failed/);
    expect(w.vm().tags).toEqual({});
  });

  test("an update whose start fails keeps the claim: the resource stays, and its delete removes it", async () => {
    const w = world();
    const { outs } = await w.kind.create(ctx, inputs());
    await w.compute.deallocate("rg-platform", "standby-we-1");
    const failing = w.kindWith(() => ({ start: allocationFailed }));
    await expect(failing.update(ctx, "x", outs, inputs())).rejects.toThrow(/AllocationFailed/);
    expect(w.vm().tags).toEqual({ [STANDBY_CLAIM_TAG]: "inc-4711" });
  });

  test("the teardown's claim removal reads again when the helper changed under it", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    const ops = simulatedStandbyOps(w.compute);
    let touched = false;
    const busy = standbyUseKind(() => ({
      ...ops,
      // something else writes the VM's tags once, right after the teardown's read of it
      async setClaim(rg, name, claim, read) {
        if (!touched) {
          touched = true;
          await ops.setClaim(rg, name, read.claim, read);
        }
        return ops.setClaim(rg, name, claim, read);
      },
    }));
    const before = w.writes().filter((c) => c.startsWith("setClaim")).length;
    await busy.delete(ctx, id, outs);
    expect(w.vm().tags).toEqual({});
    expect(w.vm().powerState).toBe("deallocated");
    // the touch, then the removal written against a fresh read (the first one got 412)
    expect(
      w
        .writes()
        .filter((c) => c.startsWith("setClaim"))
        .slice(before),
    ).toEqual([
      "setClaim rg-platform/standby-we-1 inc-4711",
      "setClaim rg-platform/standby-we-1 (none)",
    ]);
  });

  test("a claim that lands between this rescue's read and its write wins: this one reads again and stops", async () => {
    const w = world();
    const ops = simulatedStandbyOps(w.compute);
    // Another rescue claims the helper right after this one's read.
    const racing = standbyUseKind(() => ({
      ...ops,
      async describe(rg, name) {
        const read = await ops.describe(rg, name);
        if (read.claim === null) await ops.setClaim(rg, name, "inc-2", read);
        return read;
      },
    }));
    const e = await racing.create(ctx, inputs()).catch((x) => x);
    expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
    expect(e.message).toMatch(/is claimed by rescue inc-2/);
    // only the other rescue's claim; not started
    expect(w.writes()).toEqual(["setClaim rg-platform/standby-we-1 inc-2"]);
    expect(w.vm().powerState).toBe("deallocated");
  });

  test("of two rescues that start on the helper at once, exactly one goes on", async () => {
    const w = world();
    const [a, b] = await Promise.allSettled([
      w.kind.create(ctx, inputs()),
      w.kind.create(ctx, inputs({ rescueId: "inc-2" })),
    ]);
    expect([a, b].filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const winner = a.status === "fulfilled" ? "inc-4711" : "inc-2";
    const lost = [a, b].find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason.message).toMatch(`is claimed by rescue ${winner}`);
    expect(w.vm().tags?.[STANDBY_CLAIM_TAG]).toBe(winner);
    expect(w.writes().filter((c) => c.startsWith("start "))).toHaveLength(1);
  });

  test("a helper that keeps changing under the claim is refused after three reads", async () => {
    const w = world();
    const busy = w.kindWith((ops) => ({
      // something else writes the VM after every read (its ETag changes)
      async describe(rg, name) {
        const read = await ops.describe(rg, name);
        (w.vm() as SimulatedStandbyVm).tags = { touched: String(Math.random()) };
        return read;
      },
    }));
    const e = await busy.create(ctx, inputs()).catch((x) => x);
    expect(isPlanError(e, "standby-helper-misfit")).toBe(true);
    expect(e.message).toBe(
      "standby helper standby-we-1 changed 3 times while this rescue claimed it (another rescue?): nothing was started; run it again",
    );
    expect(w.writes()).toEqual([]);
  });

  test("read reports the live power state and disks; null once the helper is gone", async () => {
    const w = world();
    const { id, outs } = await w.kind.create(ctx, inputs());
    await w.compute.deallocate("rg-platform", "standby-we-1");
    expect(await w.kind.read(ctx, id, outs)).toMatchObject({ powerState: "deallocated" });
    w.compute.vms.clear();
    expect(await w.kind.read(ctx, id, outs)).toBeNull();
  });
});

describe("StandbyHelperStop", () => {
  test("deallocates the new helper once; deleting the step changes nothing", async () => {
    const compute = new SimulatedCompute();
    compute.addVm("rg-platform", "standby-we-1", { id: HELPER_ID, osDiskId: "os" });
    const kind = standbyStopKind(() => simulatedStandbyOps(compute));
    const i = {
      subscriptionId: SUB,
      resourceGroupName: "rg-platform",
      vmName: "standby-we-1",
      vmId: HELPER_ID,
    };
    const { outs } = await kind.create(ctx, i);
    expect(outs.powerState).toBe("deallocated");
    await kind.update(ctx, "x", outs, i);
    expect(compute.calls.filter((c) => c.startsWith("deallocate"))).toHaveLength(1);
    await kind.delete(ctx, "x", outs);
    expect(compute.vm("rg-platform", "standby-we-1").powerState).toBe("deallocated");
  });

  test("leaves a helper a rescue has claimed running: the platform stack's update does not cut it off", async () => {
    const w = world();
    const { outs } = await w.kind.create(ctx, inputs());
    const kind = standbyStopKind(() => simulatedStandbyOps(w.compute));
    const i = {
      subscriptionId: SUB,
      resourceGroupName: "rg-platform",
      vmName: "standby-we-1",
      vmId: HELPER_ID,
    };
    const before = w.writes().length;
    expect((await kind.update(ctx, "x", outs as never, i)).powerState).toBe("running");
    expect(w.writes()).toHaveLength(before);
    expect(w.vm().powerState).toBe("running");
  });
});
