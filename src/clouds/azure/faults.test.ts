/**
 * Fault injection: the swap and the rollback are stopped after each of their steps — the process
 * killed (the simulated cloud file keeps what was done, the call dies), an API error, a timeout
 * (the call hangs until the step's deadline aborts it) — and the next create converges: the VM runs
 * on the repaired copy (or, after a rollback, on its original disk), boots, and nothing is lost.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { osDiskSwapKind } from "./swap";
import { osDiskRollbackKind } from "./rollback";
import { bootVerificationKind } from "./bootVerification";
import { loadSimulatedCompute, editSimulatedAzure, type SimulatedFault } from "./simulatedFile";
import { testContext } from "./testing/runtime";
import {
  COPY,
  ORIGINAL,
  RG,
  SNAPSHOT,
  VM,
  rollbackInputs,
  seedFile,
  swapInputs,
  verifyInputs,
} from "./testing/world";
import { ORIGINAL_OS_DISK_OF_TAG, ROLLED_BACK_COPY_OF_TAG } from "../../vocabulary/tags";
import type { StepContext } from "../../steps/contract";

const swap = osDiskSwapKind();
const rollback = osDiskRollbackKind();
const verify = bootVerificationKind();

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-faults-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const cloud = () => path.join(dir, "cloud.json");
const ctxFor = (file: string): StepContext => testContext({ simulatedCloud: file });

/** A context whose deadline is `ms` away; the signal aborts then, as the plugin aborts it. */
function shortDeadline(file: string, ms: number): StepContext {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("deadline")), ms).unref();
  return testContext({ simulatedCloud: file }, { signal: ac.signal, deadline: Date.now() + ms });
}

function addFault(file: string, fault: SimulatedFault): void {
  editSimulatedAzure(file, (_c, azure) => {
    azure.faults = [...(azure.faults ?? []), fault];
  });
}

/** What a clean run writes, in order (the steps a fault is injected after). */
async function cleanWrites(
  prepare: (file: string) => Promise<void>,
  run: (file: string) => Promise<unknown>,
) {
  const file = path.join(dir, "clean.json");
  await prepare(file);
  const before = loadSimulatedCompute(file).writes().length;
  await run(file);
  return loadSimulatedCompute(file).writes().slice(before);
}

/** Stops the call at `line` with `mode`; the call must fail with one line. */
async function interrupted(
  file: string,
  line: string,
  mode: SimulatedFault["mode"],
  run: (ctx: StepContext) => Promise<unknown>,
): Promise<string> {
  addFault(file, { call: line, mode });
  const ctx = mode === "hang" ? shortDeadline(file, 200) : ctxFor(file);
  const err = await run(ctx).then(
    () => null,
    (e: Error) => e,
  );
  expect(err).toBeInstanceOf(Error);
  const message = (err as Error).message;
  expect(message.split("\n")).toHaveLength(1);
  if (mode === "hang") expect(message).toMatch(/gave up at the step's deadline|cancelled/);
  return message;
}

/** Nothing lost: the original disk, the copy and the snapshot still exist, no disk was deleted. */
function nothingLost(file: string): void {
  const c = loadSimulatedCompute(file);
  expect(c.deletedDisks.size).toBe(0);
  for (const d of [ORIGINAL, COPY, SNAPSHOT]) expect(c.diskTags.has(d.toLowerCase())).toBe(true);
  expect(c.writes().some((w) => w.includes(SNAPSHOT))).toBe(false);
}

const MODES: SimulatedFault["mode"][] = ["kill", "error", "hang"];

describe("the swap stopped after each step converges on the next create", () => {
  const prepare = async (file: string) => seedFile(file);
  const runSwap = (ctx: StepContext) => swap.create(ctx, swapInputs());

  test("a clean swap has the steps the faults are injected at", async () => {
    const writes = await cleanWrites(prepare, (f) => runSwap(ctxFor(f)));
    expect(writes.map((w) => w.split(" ")[0])).toEqual([
      "detachDataDisk",
      "addDiskTags",
      "addDiskTags",
      "deallocate",
      "addDiskTags",
      "setOsDisk",
      "start",
      "addDiskTags",
    ]);
  });

  test.each(MODES)(
    "%s at every step: the next create runs the VM on the copy and it boots",
    async (mode) => {
      const writes = await cleanWrites(prepare, (f) => runSwap(ctxFor(f)));
      for (const line of writes) {
        const file = cloud();
        seedFile(file);
        await interrupted(file, line, mode, runSwap);
        const { outs } = await swap.create(ctxFor(file), swapInputs());
        const vm = loadSimulatedCompute(file).vm(RG, VM);
        expect({ line, osDiskId: vm.osDiskId, power: vm.powerState }).toEqual({
          line,
          osDiskId: COPY,
          power: "running",
        });
        expect(outs).toMatchObject({ swapped: true, osDiskId: COPY });
        const v = await verify.create(
          ctxFor(file),
          verifyInputs({ serialBaseline: outs.serialBaseline }),
        );
        expect({ line, booted: v.outs.booted }).toEqual({ line, booted: true });
        expect(loadSimulatedCompute(file).diskTags.get(ORIGINAL.toLowerCase())).toMatchObject({
          [ORIGINAL_OS_DISK_OF_TAG]: expect.any(String),
        });
        nothingLost(file);
        fs.rmSync(file);
      }
    },
  );

  test("killed after setOsDisk, before start: the next create starts the VM (it used to stay deallocated)", async () => {
    const file = cloud();
    seedFile(file);
    await interrupted(file, `setOsDisk ${RG}/${VM} ${COPY}`, "kill", runSwap);
    expect(loadSimulatedCompute(file).vm(RG, VM)).toMatchObject({
      osDiskId: COPY,
      powerState: "deallocated",
    });
    const { outs } = await swap.create(ctxFor(file), swapInputs());
    expect(outs.reasons[0]).toMatch(/interrupted swap\): started the VM/);
    expect(loadSimulatedCompute(file).vm(RG, VM).powerState).toBe("running");
    // The baseline recorded on the copy before the start is what the verification looks past.
    expect(outs.serialBaseline).not.toBeNull();
  });

  test("a swap done and then stopped by the operator is not started again by a later update", async () => {
    const file = cloud();
    seedFile(file);
    const { outs } = await swap.create(ctxFor(file), swapInputs());
    editSimulatedAzure(file, (c) => Object.assign(c.vm(RG, VM), { powerState: "deallocated" }));
    const before = loadSimulatedCompute(file).writes().length;
    await swap.update(
      ctxFor(file),
      "id",
      outs,
      swapInputs({ gate: { allowed: true, reasons: ["x"] } }),
    );
    expect(loadSimulatedCompute(file).writes().slice(before)).toEqual([]);
  });

  test("killed after the deallocation, then the gate closes: the VM is started again on its untouched original", async () => {
    const file = cloud();
    seedFile(file);
    await interrupted(file, `deallocate ${RG}/${VM}`, "kill", runSwap);
    const closed = swapInputs({ gate: { allowed: false, reasons: ["dryRun=true"] } });
    const { outs } = await swap.create(ctxFor(file), closed);
    expect(outs).toMatchObject({ swapped: false });
    expect(outs.reasons.join("\n")).toMatch(/interrupted disk move was given up/);
    expect(loadSimulatedCompute(file).vm(RG, VM)).toMatchObject({
      osDiskId: ORIGINAL,
      powerState: "running",
    });
    nothingLost(file);
  });
});

describe("the rollback stopped after each step converges on the next create", () => {
  const prepare = async (file: string) => {
    seedFile(file);
    await swap.create(ctxFor(file), swapInputs());
  };
  const runRollback = (ctx: StepContext) => rollback.create(ctx, rollbackInputs());

  test.each(MODES)(
    "%s at every step: the next create runs the VM on its original disk, the copy kept",
    async (mode) => {
      const writes = await cleanWrites(prepare, (f) => runRollback(ctxFor(f)));
      expect(writes.map((w) => w.split(" ")[0])).toEqual([
        "addDiskTags",
        "addDiskTags",
        "deallocate",
        "addDiskTags",
        "setOsDisk",
        "start",
        "addDiskTags",
      ]);
      for (const line of writes) {
        const file = cloud();
        await prepare(file);
        await interrupted(file, line, mode, runRollback);
        const { outs } = await rollback.create(ctxFor(file), rollbackInputs());
        const c = loadSimulatedCompute(file);
        expect({ line, osDiskId: c.vm(RG, VM).osDiskId, power: c.vm(RG, VM).powerState }).toEqual({
          line,
          osDiskId: ORIGINAL,
          power: "running",
        });
        expect(outs).toMatchObject({ rolledBack: true, osDiskId: ORIGINAL });
        expect(c.diskTags.get(COPY.toLowerCase())).toMatchObject({
          [ROLLED_BACK_COPY_OF_TAG]: expect.any(String),
        });
        nothingLost(file);
        fs.rmSync(file);
      }
    },
  );
});
