import * as fs from "node:fs";
import { CONTRACT_VERSION, type RepairAction, type RepairPlan } from "../../collect/contract";
import { decodeBcd } from "../../evidence/bcd";
import { openHive } from "../../evidence/hive";
import { describeIf, fixture, missing } from "../../evidence/facts/testing/evidence";
import { compileRepairPlan } from "./compile";
import { applyWithHivex } from "./testing/hivex";
import type { Operation, SetValueOp } from "./types";
import { verifyRepair } from "./verify";
import { DIRTY_RETURNED_HIVE, checkRepairedDisk } from "./check";
import { dirtyCopy, newFormatLog } from "../../evidence/hive/testing/logs";

const plan = (actions: RepairAction[], dryRun = false): RepairPlan => ({
  schemaVersion: CONTRACT_VERSION,
  kind: "repairPlan",
  dryRun,
  actions,
});
const act = <A extends RepairAction>(a: Omit<A, "reason">): A => ({ ...a, reason: "test" }) as A;

describeIf(
  missing([fixture("hives", "SYSTEM_WIN7_X86"), fixture("hives", "BCD")], ["hivexregedit"]),
  "operations compiled from a real SYSTEM hive and BCD store",
  () => {
    const systemBytes = () => fs.readFileSync(fixture("hives", "SYSTEM_WIN7_X86"));
    const bcdBytes = () => fs.readFileSync(fixture("hives", "BCD"));
    const evidence = () => {
      const system = openHive(systemBytes(), { label: "SYSTEM" });
      const bcdHive = openHive(bcdBytes(), { label: "BCD" });
      return { system, bcdHive, bcd: decodeBcd(bcdHive, { file: "BCD" }) };
    };

    it("orders the phases Windows needs and carries the value each write expects", () => {
      const e = evidence();
      const c = compileRepairPlan(
        plan([
          act({ action: "DisableDriver", args: { service: "tcpip" } }),
          act({ action: "SfcOffline", args: {} }),
          act({ action: "Chkdsk", args: {} }),
          act({ action: "SetSafeBoot", args: { mode: "minimal" } }),
          act({ action: "DismRestoreHealth", args: {} }),
        ]),
        e,
        { imageBuild: 7601, helperBuild: 17763, repairSource: "wim:D:\\sources\\install.wim:1" },
      );
      expect(c.operations.map((o) => o.phase)).toEqual([
        "volume",
        "image",
        "image",
        "registry",
        "bcd",
      ]);
      const start = c.operations.find((o): o is SetValueOp => o.op === "setValue");
      // The key as stored (services\\Tcpip; hivexget agrees Start is 0), in the control set the next boot uses (Select\Default = 1).
      expect(start).toMatchObject({
        key: "ControlSet001\\services\\Tcpip",
        name: "Start",
        expected: { type: "REG_DWORD", data: 0 },
        value: { type: "REG_DWORD", data: 4 },
      });
      expect(c.bootEntry).toBe("{733b62e5-f608-11eb-825c-c112f60133ab}");
      expect(c.operations[4]).toMatchObject({ element: "safeboot", expected: null, value: 0 });
    });

    it("edits the LastKnownGood control set after switching to it", () => {
      const c = compileRepairPlan(
        plan([
          act({ action: "DisableDriver", args: { service: "Tcpip" } }),
          act({ action: "RestoreLastKnownGood", args: {} }),
        ]),
        evidence(),
      );
      expect(c.controlSet).toBe("ControlSet002");
      const keys = c.operations.flatMap((o) =>
        o.op === "setValue" ? [`${o.key}\\${o.name}`] : [],
      );
      expect(keys).toEqual([
        "Select\\Failed",
        "Select\\Current",
        "Select\\Default",
        "ControlSet002\\services\\Tcpip\\Start",
      ]);
    });

    it("refuses DISM or SFC after a pending-actions revert, in one line", () => {
      expect(() =>
        compileRepairPlan(
          plan([
            act({ action: "RevertPendingActions", args: {} }),
            act({ action: "SfcOffline", args: {} }),
          ]),
          evidence(),
        ),
      ).toThrow(/^RevertPendingActions completes only at the next boot/);
    });

    it("refuses to disable a service the control set does not have", () => {
      expect(() =>
        compileRepairPlan(
          plan([act({ action: "DisableDriver", args: { service: "nosuchdrv" } })]),
          evidence(),
        ),
      ).toThrow("DisableDriver: ControlSet001\\Services has no key nosuchdrv: nothing to disable");
    });

    describe("the check after the repair", () => {
      const actions = [
        act({ action: "DisableDriver", args: { service: "Tcpip" } }),
        act({ action: "EnableCrashDump", args: { kind: "kernel" } }),
        act({ action: "SetSafeBoot", args: { mode: "network" } }),
      ] as RepairAction[];

      function repaired(ops: readonly Operation[]) {
        const e = evidence();
        const after = {
          system: openHive(applyWithHivex(systemBytes(), ops, "SYSTEM"), { label: "SYSTEM" }),
          bcd: openHive(applyWithHivex(bcdBytes(), ops, "BCD"), { label: "BCD" }),
        };
        return { before: { system: e.system, bcd: e.bcdHive }, after };
      }

      it("passes when the returned hives hold exactly what the operations write", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const v = verifyRepair(c, repaired(c.operations));
        expect(v.differences).toEqual([]);
        expect(v.ok).toBe(true);
        expect(v.checked).toBeGreaterThan(6);
      });

      it("names the value when the repair wrote something else", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const flipped = c.operations.map((o) =>
          o.op === "setValue" && o.name === "Start"
            ? { ...o, value: { type: "REG_DWORD" as const, data: 3 } }
            : o,
        );
        const v = verifyRepair(c, repaired(flipped));
        expect(v.ok).toBe(false);
        expect(v.differences).toEqual([
          {
            where: "SYSTEM\\ControlSet001\\services\\Tcpip\\Start",
            kind: "differs",
            expected: "REG_DWORD 4",
            found: "REG_DWORD 3",
          },
        ]);
      });

      it("names an operation the repair did not apply and a change no operation makes", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const withoutSafeBoot = c.operations.filter((o) => o.op !== "setElement");
        const extra: Operation = {
          phase: "registry",
          op: "setValue",
          action: "DisableDriver",
          target: "SYSTEM\\ControlSet001\\Services\\Tcpip\\ErrorControl",
          undo: { op: "deleteValue" },
          hive: "SYSTEM",
          key: "ControlSet001\\Services\\Tcpip",
          name: "ErrorControl",
          expected: null,
          value: { type: "REG_DWORD", data: 0 },
        };
        const v = verifyRepair(c, repaired([...withoutSafeBoot, extra]));
        expect(v.differences).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              where: expect.stringMatching(/^BCD \{733b62e5-.*\} safeboot \(25000080\)$/),
              kind: "not applied",
            }),
            expect.objectContaining({
              where: "SYSTEM\\ControlSet001\\services\\Tcpip\\ErrorControl",
              kind: "unexpected",
            }),
          ]),
        );
      });

      it("says the repaired hive is missing when the repair returned none", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const e = evidence();
        const v = verifyRepair(c, {
          before: { system: e.system, bcd: e.bcdHive },
          after: { system: null, bcd: null },
        });
        expect(v.differences.map((d) => d.kind)).toEqual(["missing", "missing"]);
      });

      it("expects a dry run to have changed nothing", () => {
        const c = compileRepairPlan(plan(actions, true), evidence());
        expect(verifyRepair(c, repaired([])).ok).toBe(true);
        expect(verifyRepair(c, repaired(c.operations)).ok).toBe(false);
      });
    });

    describe("from the bytes collect and the repair shipped", () => {
      const actions = [
        act({ action: "DisableDriver", args: { service: "Tcpip" } }),
      ] as RepairAction[];

      it("passes on the hive hivex wrote the operations into", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const v = checkRepairedDisk(c, {
          before: { system: { path: "\\SYSTEM", bytes: systemBytes() }, bcd: null },
          after: { system: applyWithHivex(systemBytes(), c.operations, "SYSTEM"), bcd: null },
        });
        expect(v).toMatchObject({ ok: true, differences: [] });
      });

      it("replays the logs that came back with a dirty returned hive", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const clean = systemBytes();
        const written = applyWithHivex(clean, c.operations, "SYSTEM");
        // The write reached the log, not the primary: the primary still holds the old state.
        const log = newFormatLog(clean, written, clean.readUInt32LE(8));
        const before = { system: { path: "\\SYSTEM", bytes: clean }, bcd: null };
        const v = checkRepairedDisk(c, {
          before,
          after: {
            system: dirtyCopy(clean),
            systemLogs: [{ path: "repaired/SYSTEM.LOG1", bytes: log }],
            bcd: null,
          },
        });
        expect(v).toMatchObject({ ok: true, differences: [] });
      });

      it("keeps the gate closed on a dirty returned hive no log came back for", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const written = applyWithHivex(systemBytes(), c.operations, "SYSTEM");
        const v = checkRepairedDisk(c, {
          before: { system: { path: "\\SYSTEM", bytes: systemBytes() }, bcd: null },
          // Its primary even holds the plan's values: dirty, it is still not what Windows reads.
          after: { system: dirtyCopy(written), bcd: null },
        });
        expect(v.ok).toBe(false);
        expect(v.differences).toEqual([
          expect.objectContaining({
            where: "SYSTEM (repaired)",
            found: expect.stringContaining(DIRTY_RETURNED_HIVE),
          }),
        ]);
        expect(v.differences[0].found).toMatch(/logs returned: none\)$/);
      });

      it("keeps the gate closed on a returned hive it cannot read", () => {
        const c = compileRepairPlan(plan(actions), evidence());
        const v = checkRepairedDisk(c, {
          before: { system: { path: "\\SYSTEM", bytes: systemBytes() }, bcd: null },
          after: { system: fs.readFileSync(fixture("hives", "corrupted_system_hive")), bcd: null },
        });
        expect(v.ok).toBe(false);
        expect(v.differences).toEqual([
          expect.objectContaining({
            where: "SYSTEM (repaired)",
            found: expect.stringMatching(/^unreadable: /),
          }),
        ]);
      });
    });
  },
);
