import * as fs from "node:fs";
import { CONTRACT_VERSION, type RepairAction, type RepairPlan } from "../../collect/contract";
import { decodeBcd } from "../../evidence/bcd";
import { openHive } from "../../evidence/hive";
import { describeIf, fixture, missing } from "../../evidence/facts/testing/evidence";
import { compileRepairPlan } from "./compile";
import { assertCompiledRepair, encodeOperations, operationProblems } from "./schema";

const plan = (actions: RepairAction[]): RepairPlan => ({
  schemaVersion: CONTRACT_VERSION,
  kind: "repairPlan",
  dryRun: false,
  actions: actions.map((a) => ({ ...a, reason: "test" })),
});
const SOURCE = "wim:D:\\sources\\install.wim:1";

describeIf(
  missing([fixture("hives", "SYSTEM_WIN7_X86"), fixture("hives", "BCD")], []),
  "the compiled repair document",
  () => {
    const evidence = () => ({
      system: openHive(fs.readFileSync(fixture("hives", "SYSTEM_WIN7_X86")), { label: "SYSTEM" }),
      bcd: decodeBcd(openHive(fs.readFileSync(fixture("hives", "BCD")), { label: "BCD" }), {
        file: "BCD",
      }),
    });
    const every = [
      { action: "Chkdsk", args: {} },
      { action: "DismRestoreHealth", args: {} },
      { action: "SfcOffline", args: {} },
      { action: "RemoveDriverPackage", args: { publishedInf: "oem3.inf" } },
      { action: "DisableDriver", args: { service: "Tcpip" } },
      { action: "EnableCrashDump", args: { kind: "small" } },
      { action: "SetSafeBoot", args: { mode: "minimal" } },
      { action: "EnableEms", args: {} },
      { action: "QuarantineDriverFile", args: { path: "Windows\\System32\\drivers\\tcpip.sys" } },
    ] as RepairAction[];
    const opts = { imageBuild: 7601, helperBuild: 17763, repairSource: SOURCE };

    it("matches its JSON Schema, every operation with a phase, a target and its undo", () => {
      const c = compileRepairPlan(plan(every), evidence(), opts);
      expect(operationProblems(c)).toEqual([]);
      expect(c.id).toMatch(/^[0-9a-f]{16}$/);
      for (const o of c.operations) expect(o).toHaveProperty("undo");
      expect(c.operations.find((o) => o.op === "quarantine")).toMatchObject({
        target: "Windows\\System32\\drivers\\tcpip.sys",
        undo: { op: "moveBack" },
        recordAcl: true,
      });
      expect(c.operations.find((o) => o.op === "dismRestoreHealth")).toMatchObject({
        source: SOURCE,
        minHelperBuild: 7601,
      });
      expect(JSON.parse(Buffer.from(encodeOperations(c), "base64").toString("utf8"))).toEqual(c);
    });

    it("refuses a document out of phase order or with a value the schema does not allow", () => {
      const c = compileRepairPlan(plan(every), evidence(), opts);
      expect(operationProblems({ ...c, operations: [...c.operations].reverse() })[0]).toMatch(
        /phase .* after /,
      );
      const bad = structuredClone(c);
      (bad.operations[0] as { op: string }).op = "format";
      expect(() => assertCompiledRepair(bad)).toThrow(/does not match its schema/);
      const traversal = structuredClone(c);
      const q = traversal.operations.find((o) => o.op === "quarantine") as { path: string };
      q.path = "..\\..\\Windows\\System32\\config\\SYSTEM";
      expect(operationProblems(traversal)).not.toEqual([]);
    });

    // Finding 10: the helper's own DISM/SFC must not service a newer image.
    it("refuses DISM/SFC on a helper older than the image, and without the image's build", () => {
      expect(() =>
        compileRepairPlan(plan([{ action: "SfcOffline", args: {} } as RepairAction]), evidence(), {
          imageBuild: 26100,
          helperBuild: 17763,
        }),
      ).toThrow(/helper runs Windows build 17763, older than the image's 26100/);
      expect(() =>
        compileRepairPlan(plan([{ action: "SfcOffline", args: {} } as RepairAction]), evidence()),
      ).toThrow(/image's Windows build is unknown/);
    });

    // Finding 9: /Source:<the image's own WinSxS> /LimitAccess repairs the store from itself.
    it("refuses DismRestoreHealth without a source that matches the image", () => {
      const one = plan([{ action: "DismRestoreHealth", args: {} } as RepairAction]);
      expect(() => compileRepairPlan(one, evidence(), { imageBuild: 7601 })).toThrow(
        /needs a repair source that matches the image/,
      );
      expect(() =>
        compileRepairPlan(one, evidence(), {
          imageBuild: 7601,
          repairSource: "F:\\Windows\\WinSxS",
        }),
      ).toThrow(/is a component store/);
    });

    // Finding 6: a missing CrashControl key is created, with a "created" undo.
    it("creates a missing key before writing into it, undone by deleting it", () => {
      const e = evidence();
      const c = compileRepairPlan(
        plan([{ action: "DisableDriver", args: { service: "Tcpip" } } as RepairAction]),
        e,
      );
      expect(c.operations.every((o) => o.op !== "createKey")).toBe(true);
      // The fixture has CrashControl; a control set without one is compiled through createKey.
      const c2 = compileRepairPlan(
        plan([{ action: "EnableCrashDump", args: {} } as RepairAction]),
        {
          ...e,
          system: new Proxy(e.system, {
            get(t, p) {
              if (p === "key")
                return (k: string) => (/CrashControl$/i.test(k) ? undefined : t.key(k));
              return Reflect.get(t, p);
            },
          }),
        },
      );
      expect(c2.operations[0]).toMatchObject({
        op: "createKey",
        key: "ControlSet001\\Control\\CrashControl",
        undo: { op: "deleteKey" },
      });
      expect(c2.operations.slice(1).every((o) => o.op === "setValue" && o.expected === null)).toBe(
        true,
      );
    });
  },
);
