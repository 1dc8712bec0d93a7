import { progress } from "./terminal";
import { TimelineRecorder } from "../engine/timeline";
import type { EngineEvent } from "../engine/automation";
import type { CliContext } from "./context";

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const urn =
  "urn:pulumi:s::vm-rescue::vm-rescue:index:AzureWindowsRescue$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::r-collect";
const type = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
const pre = {
  sequence: 1,
  timestamp: T0 / 1000,
  resourcePreEvent: { metadata: { op: "create", urn, type } },
};
const done = (s: number) => ({
  sequence: 2,
  timestamp: T0 / 1000 + s,
  resOutputsEvent: { metadata: { op: "create", urn, type } },
});

function ctx(): CliContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    io: { isTty: false, out: () => undefined, err: (t: string) => lines.push(t) },
  } as unknown as CliContext & { lines: string[] };
}

afterEach(() => jest.useRealTimers());

test("a heartbeat for the running step every N seconds, none after it ends or after stop", () => {
  jest.useFakeTimers({ now: T0 });
  const c = ctx();
  const stream = progress(c, new TimelineRecorder(), null, {
    format: "text",
    label: "rg/vm",
    heartbeatSeconds: 30,
  });
  stream.onEvent!(pre as unknown as EngineEvent);
  jest.advanceTimersByTime(65_000);
  expect(c.lines).toEqual([
    "[rg/vm] [  0:00] collect started",
    "[rg/vm] [  0:30] collect: r-collect still running (0:30)",
    "[rg/vm] [  1:00] collect: r-collect still running (1:00)",
  ]);
  stream.onEvent!(done(70) as unknown as EngineEvent);
  jest.advanceTimersByTime(60_000);
  expect(c.lines.slice(3)).toEqual([expect.stringMatching(/^\[rg\/vm\] ok +create +r-collect/)]);
  stream.stop();
  expect(c.lines.slice(4)).toEqual(["[rg/vm] [  1:10] collect finished (1 step)"]);
  jest.advanceTimersByTime(60_000);
  expect(c.lines).toHaveLength(5);
});

test("--progress json: NDJSON only, labelled by VM", () => {
  jest.useFakeTimers({ now: T0 });
  const c = ctx();
  const stream = progress(c, new TimelineRecorder(), null, {
    format: "json",
    label: "i-1",
    heartbeatSeconds: 30,
  });
  stream.onEvent!(pre as unknown as EngineEvent);
  jest.advanceTimersByTime(30_000);
  stream.onEvent!(done(45) as unknown as EngineEvent);
  stream.stop();
  expect(c.lines.map((l) => JSON.parse(l))).toEqual([
    { event: "phase", phase: "collect", status: "started", elapsedSeconds: 0, vm: "i-1" },
    {
      event: "step-running",
      phase: "collect",
      step: "r-collect",
      runningSeconds: 30,
      elapsedSeconds: 30,
      vm: "i-1",
    },
    {
      event: "phase",
      phase: "collect",
      status: "finished",
      elapsedSeconds: 45,
      steps: ["r-collect"],
      vm: "i-1",
    },
  ]);
});
