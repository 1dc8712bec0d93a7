import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planErrorOf } from "../../tests/builders/facts";
import {
  anchorFlowSeconds,
  criticalPath,
  defaultLatencyModelPath,
  loadLatencyModel,
  type LatencyModel,
  type Step,
} from "./model";

const model: LatencyModel = {
  units: "seconds",
  azure: {
    "snapshot.create": 30,
    "disk.copy": 45,
    "nic.create": 10,
    "vm.create.windows": 180,
    "vm.attachDataDisk": 30,
  },
  scripts: { collect: 90, "triage.local": 5 },
  anchorFlows: {
    serial: { sequence: ["azure.snapshot.create", "azure.disk.copy", "scripts.collect"] },
  },
};

const step = (id: string, op: string | string[], ...dependsOn: string[]): Step => ({
  id,
  op,
  dependsOn,
});

describe("criticalPath", () => {
  test("parallel branches: the slower branch decides, the faster one is off the path", () => {
    const r = criticalPath(
      [
        step("snap", "azure.snapshot.create"),
        step("copy", "azure.disk.copy", "snap"),
        step("nic", "azure.nic.create"),
        step("helper", "azure.vm.create.windows", "nic"),
        step("attach", "azure.vm.attachDataDisk", "copy", "helper"),
      ],
      model,
    );
    expect(r.totalSeconds).toBe(10 + 180 + 30);
    expect(r.path.map((p) => p.id)).toEqual(["nic", "helper", "attach"]);
    expect(r.path[2]).toEqual({
      id: "attach",
      op: "azure.vm.attachDataDisk",
      seconds: 30,
      start: 190,
      end: 220,
    });
  });

  test("diamond: the join waits for the longer side", () => {
    const r = criticalPath(
      [
        step("a", "scripts.triage.local"),
        step("b", "azure.disk.copy", "a"),
        step("c", "azure.snapshot.create", "a"),
        step("d", "scripts.collect", "c", "b"),
      ],
      model,
    );
    expect(r.totalSeconds).toBe(5 + 45 + 90);
    expect(r.path.map((p) => `${p.id}@${p.start}-${p.end}`)).toEqual([
      "a@0-5",
      "b@5-50",
      "d@50-140",
    ]);
  });

  test("a step may do several operations in sequence", () => {
    const r = criticalPath(
      [step("x", ["azure.snapshot.create", "azure.disk.copy"]), step("y", "scripts.collect", "x")],
      model,
    );
    expect(r.totalSeconds).toBe(165);
    expect(r.path[0]).toMatchObject({
      id: "x",
      op: ["azure.snapshot.create", "azure.disk.copy"],
      seconds: 75,
    });
  });

  test("an empty plan takes no time", () => {
    expect(criticalPath([], model)).toEqual({ totalSeconds: 0, path: [] });
  });

  test("a cycle is refused and shown", () => {
    const e = planErrorOf(() =>
      criticalPath(
        [
          step("a", "scripts.collect", "c"),
          step("b", "scripts.collect", "a"),
          step("c", "scripts.collect", "b"),
        ],
        model,
      ),
    );
    expect(e.code).toBe("dag-cycle");
    expect(e.message).toContain("a → c → b → a");
  });

  test("unknown operations, unknown and duplicate ids are refused by name", () => {
    expect(planErrorOf(() => criticalPath([step("a", "azure.vm.teleport")], model))).toMatchObject({
      code: "unknown-op",
      message: expect.stringContaining('"azure.vm.teleport"'),
    });
    expect(planErrorOf(() => criticalPath([step("a", "collect")], model)).code).toBe("unknown-op");
    expect(planErrorOf(() => criticalPath([step("a", "anchorFlows.serial")], model)).code).toBe(
      "unknown-op",
    );
    expect(
      planErrorOf(() => criticalPath([step("a", "scripts.collect", "ghost")], model)),
    ).toMatchObject({ code: "unknown-step", message: expect.stringContaining('"ghost"') });
    expect(
      planErrorOf(() =>
        criticalPath([step("a", "scripts.collect"), step("a", "scripts.collect")], model),
      ).code,
    ).toBe("duplicate-step");
  });
});

describe("anchorFlowSeconds", () => {
  test("a sequence is the sum of its operations", () => {
    expect(anchorFlowSeconds(model, "serial")).toBe(30 + 45 + 90);
  });
  test("an unknown flow is refused, listing the known ones", () => {
    expect(planErrorOf(() => anchorFlowSeconds(model, "gcp.rescue")).message).toMatch(
      /unknown anchor flow "gcp.rescue".*serial/,
    );
  });
});

describe("loadLatencyModel", () => {
  test("the default model is the package's own copy, equal to the shared table where that exists", () => {
    const own = path.resolve(__dirname, "latency-model.json");
    expect(defaultLatencyModelPath()).toBe(own);
    const shared = path.resolve(__dirname, "..", "..", "..", "shared", "latency-model.json");
    if (!fs.existsSync(shared)) {
      console.warn(`not comparing the latency model with ${shared}: it is absent`);
      return;
    }
    expect(fs.readFileSync(own, "utf8")).toBe(fs.readFileSync(shared, "utf8"));
  });

  test("a missing file fails with the path in the message", () => {
    const missing = path.join(os.tmpdir(), "vm-rescue-no-such-dir", "latency-model.json");
    expect(planErrorOf(() => loadLatencyModel(missing))).toMatchObject({
      code: "latency-model-missing",
      message: expect.stringContaining(missing),
    });
  });

  test("malformed models are refused", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-ttr-"));
    try {
      const write = (name: string, text: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text);
        return f;
      };
      expect(planErrorOf(() => loadLatencyModel(write("a.json", "{ not json")))).toMatchObject({
        code: "latency-model-invalid",
      });
      expect(
        planErrorOf(() =>
          loadLatencyModel(
            write("b.json", JSON.stringify({ azure: { "disk.copy": "45s" }, anchorFlows: {} })),
          ),
        ).message,
      ).toContain("azure.disk.copy");
      expect(
        planErrorOf(() =>
          loadLatencyModel(
            write(
              "c.json",
              JSON.stringify({
                azure: { "disk.copy": 45 },
                anchorFlows: { f: { sequence: ["azure.disk.move"] } },
              }),
            ),
          ),
        ).code,
      ).toBe("unknown-op");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the latency model of the package", () => {
  const real = loadLatencyModel();

  test("anchor flows: az vm repair and StartEC2RescueWorkflow, with their human diagnosis steps", () => {
    expect(anchorFlowSeconds(real, "azure.azVmRepair")).toBe(2830);
    expect(anchorFlowSeconds(real, "aws.startEC2RescueWorkflow")).toBe(3665);
  });

  test("an anchor flow as a chain DAG has the same critical path as its sum", () => {
    const seq = real.anchorFlows["azure.azVmRepair"].sequence;
    const chain = seq.map((op, i) => step(`s${i}`, op, ...(i > 0 ? [`s${i - 1}`] : [])));
    const r = criticalPath(chain, real);
    expect(r.totalSeconds).toBe(anchorFlowSeconds(real, "azure.azVmRepair"));
    expect(r.path).toHaveLength(seq.length);
  });

  test("the automated Azure rescue (helper built while the disk is copied, no human hand-off) beats az vm repair", () => {
    const rescue = criticalPath(
      [
        step("snapshot", ["azure.snapshot.create", "azure.disk.copy"]),
        step("helper", ["azure.nic.create", "azure.vm.create.windows"]),
        step("attach", "azure.vm.attachDataDisk", "snapshot", "helper"),
        step("collect", ["azure.runCommand.overhead", "scripts.collect"], "attach"),
        step("triage", "scripts.triage.local", "collect"),
        step("repair", ["azure.runCommand.overhead", "scripts.repair.driver"], "triage"),
        step("detach", "azure.vm.detachDataDisk", "repair"),
        step("deallocate", "azure.vm.deallocate"),
        step("swap", "azure.vm.osDiskSwap", "detach", "deallocate"),
        step("boot", ["azure.vm.start.windows", "azure.vm.bootVerify"], "swap"),
      ],
      real,
    );
    expect(rescue.path.map((p) => p.id)).toEqual([
      "helper",
      "attach",
      "collect",
      "triage",
      "repair",
      "detach",
      "swap",
      "boot",
    ]);
    expect(rescue.totalSeconds).toBe(10 + 180 + 30 + 120 + 5 + 75 + 30 + 30 + 180);
    expect(rescue.totalSeconds).toBeLessThan(anchorFlowSeconds(real, "azure.azVmRepair"));
  });
});
