/**
 * A rolled-back swap is not redone by an update: the swap, the rollback and the swap's update run
 * as the engine runs them (the real kinds against the simulated EC2). Only a raised
 * `swapGeneration` swaps the repaired volume in again.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decideReswap, rootVolumeSwapKind, validateSwapGeneration } from "./swap";
import { rootVolumeRollbackKind, rollbackStep } from "./rollbackStep";
import { readState, writeState } from "./simulated";
import { parseProgress, SWAP_PROGRESS_TAG } from "./stepKit";
import { stepOps } from "./context";
import { BROKEN, COPY, GATE_OPEN, HELPER, ORIG, rescueWorld, simContext } from "./testing/world";
import type { RootVolumeSwapInputs, RootVolumeSwapOutputs } from "./swap";
import type { RootVolumeRollbackInputs } from "./rollbackStep";

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-reswap-"));
  file = path.join(dir, "cloud.json");
  writeState(file, rescueWorld());
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const swapInputs = (o: Partial<RootVolumeSwapInputs> = {}): RootVolumeSwapInputs => ({
  region: "eu-west-1",
  instanceId: BROKEN,
  rootDeviceName: "/dev/sda1",
  volumeId: COPY,
  helperInstanceId: HELPER,
  deleteOnTermination: true,
  gate: GATE_OPEN,
  reattachWhenClosed: false,
  ...o,
});
const rollbackInputs: RootVolumeRollbackInputs = {
  region: "eu-west-1",
  instanceId: BROKEN,
  rootDeviceName: "/dev/sda1",
  volumeId: ORIG,
  deleteOnTermination: true,
  finalState: "running",
};

/** The calls that touch the instance's root since `from`. */
const rootCalls = (from: number) =>
  readState(file)
    .calls.slice(from)
    .filter((c) => /^(StopInstances|StartInstances|AttachVolume|DetachVolume)\b/.test(c));
const root = () => readState(file).instances[BROKEN].devices["/dev/sda1"]?.volumeId;
const callCount = () => readState(file).calls.length;

/** The swap created, then the rollback created: the instance runs on its original root. */
async function swappedAndRolledBack(): Promise<RootVolumeSwapOutputs> {
  const ctx = simContext(file);
  const { outs } = await rootVolumeSwapKind.create(ctx, swapInputs());
  expect(outs).toMatchObject({ swapped: true, rootVolumeId: COPY, rolledBack: false });
  await rootVolumeRollbackKind.create(ctx, rollbackInputs);
  expect(root()).toBe(ORIG);
  return outs;
}

test("an update with new gate reasons after a rollback stops, detaches, attaches and starts nothing; the root stays the original", async () => {
  const olds = await swappedAndRolledBack();
  expect(parseProgress(readState(file).instances[BROKEN].tags[SWAP_PROGRESS_TAG])).toMatchObject({
    volumeId: COPY,
    phase: "rolled-back",
  });
  const from = callCount();
  const news = swapInputs({ gate: { allowed: true, reasons: ["a new triage line"] } });
  const outs = await rootVolumeSwapKind.update(simContext(file), "id", olds, news);
  expect(rootCalls(from)).toEqual([]);
  expect(root()).toBe(ORIG);
  expect(readState(file).instances[BROKEN].state).toBe("running");
  expect(outs).toMatchObject({
    swapped: false,
    rolledBack: true,
    rootVolumeId: ORIG,
    reason: expect.stringMatching(/was rolled back .*set swapGeneration to 1$/),
  });
  // A swap resource created anew (no previous run to read) is refused by the instance's record.
  await rootVolumeSwapKind.create(simContext(file), news);
  expect(rootCalls(from)).toEqual([]);
  expect(root()).toBe(ORIG);
});

test("raising swapGeneration redoes the swap; after a second rollback only a generation above it does", async () => {
  const olds = await swappedAndRolledBack();
  const ctx = simContext(file);
  let from = callCount();
  const again = await rootVolumeSwapKind.update(ctx, "id", olds, swapInputs({ swapGeneration: 1 }));
  expect(rootCalls(from)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^StopInstances/),
      expect.stringMatching(/^DetachVolume/),
      expect.stringMatching(/^AttachVolume/),
      expect.stringMatching(/^StartInstances/),
    ]),
  );
  expect(root()).toBe(COPY);
  expect(again).toMatchObject({
    swapped: true,
    rolledBack: false,
    previousRootVolumeId: ORIG,
    reason: expect.stringMatching(/redone: swapGeneration 1$/),
  });
  expect(again.consoleBaseline).not.toBeNull();
  // An update that repeats generation 1 changes nothing on the live instance.
  from = callCount();
  await rootVolumeSwapKind.update(ctx, "id", again, swapInputs({ swapGeneration: 1 }));
  expect(rootCalls(from)).toEqual([]);

  await rootVolumeRollbackKind.create(ctx, rollbackInputs);
  expect(root()).toBe(ORIG);
  from = callCount();
  const refused = await rootVolumeSwapKind.update(
    ctx,
    "id",
    again,
    swapInputs({ swapGeneration: 1 }),
  );
  expect(refused.reason).toMatch(/set swapGeneration to 2$/);
  expect(rootCalls(from)).toEqual([]);
  const third = await rootVolumeSwapKind.update(
    ctx,
    "id",
    refused,
    swapInputs({ swapGeneration: 2 }),
  );
  expect(third).toMatchObject({ swapped: true, rolledBack: false });
  expect(root()).toBe(COPY);
});

test("a rollback outside the stack (no progress tags) is not undone by an update either", async () => {
  const ctx = simContext(file);
  const { outs } = await rootVolumeSwapKind.create(ctx, swapInputs());
  // The direct rollback records nothing on the instance.
  await rollbackStep(stepOps(ctx, "eu-west-1"), rollbackInputs, 600, { untracked: true });
  expect(root()).toBe(ORIG);
  const from = callCount();
  const read = await rootVolumeSwapKind.read(ctx, "id", outs);
  expect(read).toMatchObject({ swapped: false, rolledBack: true, rootVolumeId: ORIG });
  const upd = await rootVolumeSwapKind.update(ctx, "id", read!, swapInputs({ gate: GATE_OPEN }));
  expect(upd).toMatchObject({ swapped: false, rolledBack: true });
  expect(rootCalls(from)).toEqual([]);
  await rootVolumeSwapKind.update(ctx, "id", upd, swapInputs({ swapGeneration: 1 }));
  expect(root()).toBe(COPY);
});

test("a rollback cut off right after it marked the swap: the swap's update leaves it to the rollback", async () => {
  const ctx = simContext(file);
  const { outs } = await rootVolumeSwapKind.create(ctx, swapInputs());
  const s = readState(file);
  s.instances[BROKEN].tags[SWAP_PROGRESS_TAG] = s.instances[BROKEN].tags[SWAP_PROGRESS_TAG].replace(
    " started ",
    " rolled-back ",
  );
  s.instances[BROKEN].state = "stopped";
  writeState(file, s);
  const from = callCount();
  const upd = await rootVolumeSwapKind.update(ctx, "id", outs, swapInputs());
  expect(upd).toMatchObject({
    swapped: false,
    reason: expect.stringMatching(/rollback .* under way/),
  });
  expect(rootCalls(from)).toEqual([]);
  await rootVolumeRollbackKind.create(ctx, rollbackInputs);
  expect(root()).toBe(ORIG);
  expect(readState(file).instances[BROKEN].state).toBe("running");
});

test("decideReswap: no rollback swaps; the highest rolled-back generation wins; the check refuses a bad generation", () => {
  const i = { instanceId: BROKEN, volumeId: COPY };
  const rec = (phase: string, generation?: number) => ({
    volumeId: COPY,
    phase,
    other: ORIG,
    baseline: null,
    generation,
  });
  expect(decideReswap(i, null, ORIG)).toEqual({ swap: true, reason: "" });
  expect(decideReswap(i, rec("swapping"), ORIG)).toEqual({ swap: true, reason: "" });
  expect(
    decideReswap({ ...i, swapGeneration: 3 }, rec("rolled-back", 1), ORIG, {
      rolledBack: true,
      swapGeneration: 3,
    }),
  ).toMatchObject({ swap: false, rolledBackGeneration: 3 });
  expect(decideReswap({ ...i, swapGeneration: 4 }, rec("rolled-back", 3), ORIG)).toMatchObject({
    swap: true,
  });
  expect(
    decideReswap(i, null, ORIG, { swapped: true, rootVolumeId: COPY, swapGeneration: 0 }),
  ).toMatchObject({ swap: false, rolledBackGeneration: 0 });
  expect(() => validateSwapGeneration(-1)).toThrow(/swapGeneration must be a whole number/);
  expect(rootVolumeSwapKind.check!(swapInputs({ swapGeneration: 1.5 }))).toEqual([
    expect.stringMatching(/^swapGeneration must be a whole number/),
  ]);
  expect(rootVolumeSwapKind.check!(swapInputs({ swapGeneration: 2 }))).toEqual([]);
});
