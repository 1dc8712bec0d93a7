/**
 * Fault injection: the root swap and the rollback stopped after each of their steps — the process
 * killed (the cloud keeps what was done, the call dies), an API error, a call that hangs until it is
 * aborted — and then run again. The next create always converges to a running instance on the
 * intended root, nothing is lost (the original volume, the copy and the backup exist), and a swap
 * interrupted after the attach still starts the instance (and keeps the console baseline it
 * recorded before the start).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rootVolumeSwapKind } from "./swap";
import { rootVolumeRollbackKind } from "./rollbackStep";
import { readState, writeState, BUGCHECK_TEXT, type SimFault } from "./simulated";
import { AWS_CONTRACT_CASES } from "./testing/contractCases";
import { BROKEN, COPY, ORIG, SNAP, simContext } from "./testing/world";
import { STEP_TYPES } from "../../vocabulary/tokens";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-faults-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const caseOf = (token: string) => AWS_CONTRACT_CASES.find((c) => c.token === token)!;

/** The swap's writes in order, as [op, calls of it to let through first]. */
const SWAP_STEPS: [string, number][] = [
  ["CreateTags", 0], // swapping
  ["DeleteTags", 0],
  ["StopInstances", 0],
  ["DetachVolume", 0], // the repaired volume off the helper
  ["DetachVolume", 1], // the original off the instance
  ["AttachVolume", 0],
  ["ModifyInstanceAttribute", 0],
  ["CreateTags", 1], // starting, with the console baseline
  ["StartInstances", 0],
  ["CreateTags", 2], // started
];
const ROLLBACK_STEPS: [string, number][] = [
  ["CreateTags", 0], // rolling, and the swap's record marked rolled back
  ["StopInstances", 0],
  ["DetachVolume", 0],
  ["AttachVolume", 0],
  ["ModifyInstanceAttribute", 0],
  ["CreateTags", 1], // starting
  ["StartInstances", 0],
  ["CreateTags", 2], // done
];
const MODES: SimFault["mode"][] = ["kill", "error", "hang"];

function plant(file: string, fault: SimFault) {
  const s = readState(file);
  s.faults.push(fault);
  writeState(file, s);
}

/** Runs `create` with the fault planted; a hang is aborted as the engine's Cancel would. */
async function interrupted(
  file: string,
  run: (ctx: ReturnType<typeof simContext>) => Promise<unknown>,
  fault: SimFault,
) {
  plant(file, fault);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort("cancelled by the engine"), 50);
  try {
    await expect(run(simContext(file, { signal: abort.signal }))).rejects.toThrow();
  } finally {
    clearTimeout(timer);
  }
}

function nothingLost(file: string) {
  const s = readState(file);
  for (const v of [ORIG, COPY]) expect(s.volumes[v]?.state).toMatch(/^(available|in-use)$/);
  expect(s.snapshots[SNAP].state).toBe("completed");
  expect(s.calls.filter((c) => /^Delete(Volume|Snapshot)/.test(c))).toEqual([]);
}

describe.each(SWAP_STEPS.map(([op, skip]) => [`${op}#${skip + 1}`, op, skip] as const))(
  "the swap stopped at %s",
  (_name, op, skip) => {
    test.each(MODES)("%s: the next create runs the instance on the repaired root", async (mode) => {
      const file = path.join(dir, "cloud.json");
      const { inputs } = caseOf(STEP_TYPES.aws.swap).seed(file);
      // The original still at the root, the instance running: the swap does the stop itself.
      const s = readState(file);
      s.instances[BROKEN].state = "running";
      s.instances[BROKEN].devices["/dev/sda1"] = { volumeId: ORIG, deleteOnTermination: true };
      s.volumes[ORIG].attachments = [
        { instanceId: BROKEN, device: "/dev/sda1", state: "attached", until: 0 },
      ];
      s.volumes[ORIG].state = "in-use";
      writeState(file, s);
      await interrupted(file, (ctx) => rootVolumeSwapKind.create(ctx, inputs as never), {
        op,
        skip,
        mode,
      });
      nothingLost(file);
      const { outs } = await rootVolumeSwapKind.create(simContext(file), inputs as never);
      const after = readState(file);
      expect(outs).toMatchObject({ swapped: true, rootVolumeId: COPY, previousRootVolumeId: ORIG });
      expect(after.instances[BROKEN].state).toBe("running");
      expect(after.instances[BROKEN].devices["/dev/sda1"]).toEqual({
        volumeId: COPY,
        deleteOnTermination: true,
      });
      // The baseline is where the console stood before the repaired root started: the old stop error.
      expect(outs.consoleBaseline?.length).toBe(BUGCHECK_TEXT.length);
      expect(after.volumes[ORIG].attachments).toEqual([]);
      nothingLost(file);
      // Once more (an update): nothing is stopped or started again.
      const writes = after.calls.length;
      await rootVolumeSwapKind.update(simContext(file), "id", outs, inputs as never);
      expect(
        readState(file)
          .calls.slice(writes)
          .filter((x) => /^(Stop|Start|Attach|Detach)/.test(x)),
      ).toEqual([]);
    });
  },
);

describe.each(ROLLBACK_STEPS.map(([op, skip]) => [`${op}#${skip + 1}`, op, skip] as const))(
  "the rollback stopped at %s",
  (_name, op, skip) => {
    test.each(MODES)("%s: the next create runs the instance on the original root", async (mode) => {
      const file = path.join(dir, "cloud.json");
      const { inputs } = caseOf(STEP_TYPES.aws.rollback).seed(file);
      await interrupted(file, (ctx) => rootVolumeRollbackKind.create(ctx, inputs as never), {
        op,
        skip,
        mode,
      });
      nothingLost(file);
      const { outs } = await rootVolumeRollbackKind.create(simContext(file), inputs as never);
      const after = readState(file);
      expect(outs).toMatchObject({ restoredVolumeId: ORIG, changed: true, replacedVolumeId: COPY });
      expect(after.instances[BROKEN].state).toBe("running");
      expect(after.instances[BROKEN].devices["/dev/sda1"].volumeId).toBe(ORIG);
      expect(after.volumes[COPY].attachments).toEqual([]);
      nothingLost(file);
    });
  },
);

test("a swap past its deadline gives up with one line and can be resumed", async () => {
  const file = path.join(dir, "cloud.json");
  const { inputs } = caseOf(STEP_TYPES.aws.swap).seed(file);
  const err = await rootVolumeSwapKind
    .create(simContext(file, { deadline: Date.now() - 1 }), inputs as never)
    .then(
      () => null,
      (e: Error) => e,
    );
  expect(err?.message).toMatch(/^gave up at the step's deadline .*run pulumi up again to resume$/);
  expect(err?.message).not.toMatch(/\n/);
  expect(readState(file).calls).toEqual([]);
  const { outs } = await rootVolumeSwapKind.create(simContext(file), inputs as never);
  expect(outs.swapped).toBe(true);
});
