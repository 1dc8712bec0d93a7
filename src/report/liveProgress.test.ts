import { LiveProgress } from "./liveProgress";
import { progressLine, type ProgressEvent } from "./progress";

const S = 1000;
const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const step = (name: string, type: string, op = "create") => ({ name, type, op });
const RC = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";

test("phases start and end as the steps do; a long step gets heartbeats; the run's end closes the rest", () => {
  const events: ProgressEvent[] = [];
  const p = new LiveProgress((e) => events.push(e));
  const lines = () => events.map(progressLine);
  p.started("snap", step("r-snapshot", "azure-native:compute:Snapshot"), T0);
  p.started("helper", step("r-helper", "azure-native:compute:VirtualMachine"), T0 + 5 * S);
  expect(lines()).toEqual(["[  0:00] prepare started"]);
  p.finished("snap", T0 + 30 * S, false);
  p.finished("helper", T0 + 200 * S, false);
  // prepare is not over before a later phase starts: more of it may come
  expect(events).toHaveLength(1);
  p.started("collect", step("r-collect", RC), T0 + 200 * S);
  expect(lines().slice(1)).toEqual([
    "[  3:20] prepare finished (2 steps)",
    "[  3:20] collect started",
  ]);
  p.tick(T0 + 290 * S);
  expect(lines().at(-1)).toBe("[  4:50] collect: r-collect still running (1:30)");
  p.finished("collect", T0 + 320 * S, false);
  p.started("repair", step("r-repair", RC), T0 + 325 * S);
  p.finished("repair", T0 + 400 * S, true);
  p.tick(T0 + 420 * S); // nothing runs: no heartbeat
  p.close(T0 + 400 * S);
  expect(lines().slice(4)).toEqual([
    "[  5:20] collect finished (1 step)",
    "[  5:25] repair started",
    "[  6:40] repair failed (1 step)",
  ]);
  const elapsed = events.map((e) => e.elapsedSeconds);
  expect(elapsed).toEqual([0, 200, 200, 290, 320, 325, 400]);
});

test("AWS: the stop/detach after the collect is the swap's, before it the preparation's", () => {
  const phases = (collectFirst: boolean) => {
    const events: ProgressEvent[] = [];
    const p = new LiveProgress((e) => events.push(e), T0);
    if (collectFirst) {
      p.started("c", step("r-collect", "vm-rescue:aws:SsmCommand"), T0);
      p.finished("c", T0 + 10 * S, false);
    }
    p.started("d", step("r-stop-detach", "vm-rescue:aws:RootVolumeDetach"), T0 + 20 * S);
    p.close(T0 + 30 * S);
    return events.flatMap((e) => (e.event === "phase" ? [`${e.phase} ${e.status}`] : []));
  };
  expect(phases(true)).toEqual([
    "collect started",
    "collect finished",
    "swap started",
    "swap finished",
  ]);
  expect(phases(false)).toEqual(["prepare started", "prepare finished"]);
});
