import { progressEvents, progressLine, PROGRESS_PHASES } from "./progress";
import type { RescueOutcome } from "./types";

const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, s)).toISOString();
const step = (name: string, type: string, a: number, b: number, op = "create") => ({
  name,
  type,
  op,
  status: "succeeded" as const,
  startedAt: t(a),
  endedAt: t(b),
});
const outcome = {
  startedAt: t(0),
  timeline: [
    step("r-snapshot", "azure-native:compute:Snapshot", 0, 30),
    step("r-helper", "azure-native:compute:VirtualMachine", 30, 200),
    step("r-collect", "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", 200, 320),
    step("r-triage", "vm-rescue:azure:CollectTriage", 320, 325),
    step("r-repair", "azure-native:compute:VirtualMachineRunCommandByVirtualMachine", 325, 400),
    step("r-swap", "vm-rescue:azure:OsDiskSwap", 400, 640),
    step("r-verify", "vm-rescue:azure:BootVerification", 640, 700),
    step("r-helper", "azure-native:compute:VirtualMachine", 700, 760, "delete"),
  ],
  repair: {
    results: [
      { action: "DisableDriver", status: "succeeded", message: "Start=4 for x" },
      { action: "SetSafeBoot", status: "skipped", message: "not needed" },
    ],
  },
} as unknown as RescueOutcome;

test("one start and one end per phase, in order, with the repair operations inside repair", () => {
  const events = progressEvents(outcome);
  const phases = events.filter((e) => e.event === "phase");
  expect(phases.map((e) => (e.event === "phase" ? `${e.phase} ${e.status}` : ""))).toEqual(
    PROGRESS_PHASES.flatMap((p) => [`${p} started`, `${p} finished`]),
  );
  const index = (f: (e: (typeof events)[number]) => boolean) => events.findIndex(f);
  const repairStart = index(
    (e) => e.event === "phase" && e.phase === "repair" && e.status === "started",
  );
  const repairEnd = index(
    (e) => e.event === "phase" && e.phase === "repair" && e.status === "finished",
  );
  const ops = events.map((e, i) => [e, i] as const).filter(([e]) => e.event === "repair-operation");
  expect(ops.map(([e]) => (e.event === "repair-operation" ? e.action : ""))).toEqual([
    "DisableDriver",
    "SetSafeBoot",
  ]);
  for (const [, i] of ops) expect(i > repairStart && i < repairEnd).toBe(true);
  // each phase from its first step's start to its last step's end; the operations at the repair's end
  expect(events.map((e) => e.elapsedSeconds)).toEqual([
    0, 200, 200, 320, 320, 325, 325, 400, 400, 400, 400, 640, 640, 700, 700, 760,
  ]);
  expect(progressLine(events[1])).toBe("[  3:20] prepare finished (2 steps)");
  expect(ops.map(([e]) => progressLine(e))).toEqual([
    "[  6:40] repair: operation 1 of 2: DisableDriver succeeded: Start=4 for x",
    "[  6:40] repair: operation 2 of 2: SetSafeBoot skipped: not needed",
  ]);
});

describe("an AWS rescue's phases", () => {
  const aws = (timeline: ReturnType<typeof step>[]) =>
    progressEvents({
      cloud: "aws",
      startedAt: t(0),
      timeline,
      repair: { results: [{ action: "DisableDriver", status: "succeeded", message: "m" }] },
    } as unknown as RescueOutcome)
      .filter((e) => e.event === "phase")
      .map((e) => (e.event === "phase" ? `${e.phase} ${e.status}` : ""));
  const ordered = PROGRESS_PHASES.flatMap((p) => [`${p} started`, `${p} finished`]);

  test("copy mode: the stop/detach after the repair is the swap's; prepare ends before collect", () => {
    expect(
      aws([
        step("r-helper", "aws:ec2/instance:Instance", 0, 240),
        step("r-snapshot", "vm-rescue:aws:BackupSnapshot", 0, 600),
        step("r-copy", "aws:ebs/volume:Volume", 600, 660),
        step("r-helper-attachment", "aws:ec2/volumeAttachment:VolumeAttachment", 660, 680),
        step("r-collect", "vm-rescue:aws:SsmCommand", 680, 790),
        step("r-triage", "modeled: triage (local)", 790, 795),
        step("r-repair", "vm-rescue:aws:SsmCommand", 795, 860),
        step("r-stop-detach", "vm-rescue:aws:RootVolumeDetach", 860, 970),
        step("r-swap", "vm-rescue:aws:RootVolumeSwap", 970, 1125),
        step("r-verify", "vm-rescue:aws:BootVerification", 1125, 1245),
        step("r-helper", "aws:ec2/instance:Instance", 1245, 1305, "delete"),
      ]),
    ).toEqual(ordered);
  });

  test("inPlace mode: the stop/detach before the collect is the preparation's", () => {
    expect(
      aws([
        step("r-helper", "aws:ec2/instance:Instance", 0, 240),
        step("r-stop-detach", "vm-rescue:aws:RootVolumeDetach", 0, 110),
        step("r-helper-attachment", "aws:ec2/volumeAttachment:VolumeAttachment", 240, 260),
        step("r-collect", "vm-rescue:aws:SsmCommand", 260, 370),
        step("r-triage", "modeled: triage (local)", 370, 375),
        step("r-repair", "vm-rescue:aws:SsmCommand", 375, 440),
        step("r-swap", "vm-rescue:aws:RootVolumeSwap", 440, 600),
        step("r-verify", "vm-rescue:aws:BootVerification", 600, 720),
        step("r-helper", "aws:ec2/instance:Instance", 720, 780, "delete"),
      ]),
    ).toEqual(ordered);
  });
});
