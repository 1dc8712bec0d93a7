/**
 * Compiles a repair plan into primitive operations (see ./types.ts) against the evidence the plan
 * was made from: the SYSTEM hive and the BCD store as the TypeScript readers opened them. Every
 * choice the script used to make is made here: the control set to edit (the next boot's,
 * `Select\Default`, or LastKnownGood after a switch), the service keys as stored, the boot entry,
 * and the value each write expects to find. Pure; a plan that cannot be compiled is one PlanError.
 */
import type { RepairAction, RepairPlan } from "../../collect/contract";
import { BOOTMGR_GUID, type BcdStore } from "../../evidence/bcd";
import { type Hive, type HiveValue, controlSetName } from "../../evidence/hive";
import { createHash } from "node:crypto";
import { PlanError } from "../../vocabulary/errors";
import { imageOp, repairSourceOf } from "./image";
import {
  OPERATION_PHASES,
  type BcdData,
  type CompiledRepair,
  type Operation,
  type RegData,
  type SetValueOp,
} from "./types";

export interface CompileOptions {
  /** The operations of the clean boot an UndoCleanBoot reverses (from its recorded plan). */
  priorCleanBoot?: readonly SetValueOp[];
  /** Volume-relative folder a quarantined file moves into. */
  quarantineFolder?: string;
  /** The image's Windows build (CurrentBuildNumber of its SOFTWARE hive, or the collect's os.build). */
  imageBuild?: number | null;
  /** The helper's Windows build (collected); DISM/SFC are refused when it is older than the image. */
  helperBuild?: number | null;
  /** DismRestoreHealth's source: `wim:<path>:<index>`, `esd:<path>:<index>` or a folder of the same build as the image. */
  repairSource?: string | null;
  /**
   * Compiling only to check the hives a repair returned (the registry and BCD writes): the image
   * phase's preconditions (builds, source) are not asked for, since nothing will be executed.
   */
  checkOnly?: boolean;
}

const CRASH_DUMP_ENABLED = { small: 3, kernel: 2, automatic: 7 } as const;
const SAFEBOOT = { minimal: 0, network: 1 } as const;
const ELEMENTS = {
  safeboot: "25000080",
  ems: "260000b0",
  bootems: "16000020",
} as const;

/** A value as an operation expects it; a type no operation writes is refused. */
function regData(v: HiveValue | undefined, where: string): RegData | null {
  if (v === undefined) return null;
  if (v.typeName === "REG_DWORD" && typeof v.data === "number")
    return { type: "REG_DWORD", data: v.data };
  if ((v.typeName === "REG_SZ" || v.typeName === "REG_EXPAND_SZ") && typeof v.data === "string")
    return { type: v.typeName, data: v.data };
  if (v.typeName === "REG_MULTI_SZ" && Array.isArray(v.data))
    return { type: "REG_MULTI_SZ", data: v.data };
  throw new PlanError(
    "unexpected-evidence",
    `${where} is ${v.typeName}, not a type the repair writes: it is left as it is; repair it by hand`,
  );
}

class Compiler {
  readonly ops: Operation[] = [];
  readonly notes: string[] = [];
  controlSet: string;

  constructor(
    private readonly system: Hive,
    private readonly bcd: BcdStore | null,
    private readonly opts: CompileOptions,
  ) {
    const select = system.key("Select");
    const def = select?.value("Default")?.data;
    if (typeof def !== "number" || def < 1 || def > 999) {
      throw new PlanError(
        "unexpected-evidence",
        "the SYSTEM hive has no Select\\Default: the control set the next boot uses is unknown, so nothing is planned in the registry",
      );
    }
    this.controlSet = controlSetName(def);
    if (system.key(this.controlSet) === undefined) {
      throw new PlanError(
        "unexpected-evidence",
        `Select\\Default names ${this.controlSet}, which the SYSTEM hive does not have`,
      );
    }
  }

  /** A compare-and-set of one value (the key as stored; `createKey` first when it is absent). */
  setValue(action: RepairAction["action"], key: string, name: string, value: RegData): void {
    const k = this.system.key(key);
    if (k === undefined && !this.ops.some((o) => o.op === "createKey" && o.key === key)) {
      this.ops.push({
        phase: "registry",
        op: "createKey",
        action,
        target: `SYSTEM\\${key}`,
        undo: { op: "deleteKey" },
        hive: "SYSTEM",
        key,
      });
    }
    const stored = k?.path ?? key;
    const expected = regData(k?.value(name), `${stored}\\${name}`);
    this.ops.push({
      phase: "registry",
      op: "setValue",
      action,
      target: `SYSTEM\\${stored}\\${name}`,
      undo: expected === null ? { op: "deleteValue" } : { op: "setValue", value: expected },
      hive: "SYSTEM",
      key: stored,
      name,
      expected,
      value,
    });
  }

  /** The service key as stored in the edited control set, or undefined. */
  serviceKey(service: string): string | undefined {
    return this.system.key(`${this.controlSet}\\Services\\${service}`)?.path;
  }

  setElement(
    action: RepairAction["action"],
    entry: string,
    element: keyof typeof ELEMENTS,
    value: BcdData,
  ): void {
    if (this.bcd === null) {
      throw new PlanError(
        "unexpected-evidence",
        `${action} edits the BCD store, which was not read from the disk: nothing is planned`,
      );
    }
    const object = this.bcd.objects.find((o) => o.guid.toLowerCase() === entry.toLowerCase());
    if (object === undefined) {
      throw new PlanError("unexpected-evidence", `${action}: the BCD store has no object ${entry}`);
    }
    const id = ELEMENTS[element];
    const found = object.elements.find((e) => e.id.toLowerCase() === id);
    let expected: BcdData = null;
    if (found !== undefined) {
      if (typeof found.data !== "number" && typeof found.data !== "boolean") {
        throw new PlanError(
          "unexpected-evidence",
          `${action}: element ${element} of ${entry} holds ${JSON.stringify(found.data)}, not a value the repair writes`,
        );
      }
      expected = found.data;
    }
    this.ops.push({
      phase: "bcd",
      op: "setElement",
      action,
      target: `BCD ${object.guid} ${element} (${id})`,
      undo: { op: "setElement", value: expected },
      entry: object.guid,
      elementId: id,
      element,
      expected,
      value,
    });
  }

  loaderEntry(action: RepairAction["action"]): string {
    const guid = this.bcd?.defaultLoader?.object.guid;
    if (guid === undefined) {
      throw new PlanError(
        "unexpected-evidence",
        `${action} edits the default boot entry, which the BCD store does not name`,
      );
    }
    return guid;
  }

  add(a: RepairAction): void {
    switch (a.action) {
      case "Chkdsk":
        this.ops.push({
          phase: "volume",
          op: "chkdsk",
          action: a.action,
          target: "the Windows volume",
          undo: null,
        });
        return;
      case "RevertPendingActions":
        this.ops.push(imageOp(a.action, "dismRevertPendingActions", {}, this.opts));
        return;
      case "DismRestoreHealth":
        this.ops.push(
          imageOp(
            a.action,
            "dismRestoreHealth",
            { source: this.opts.checkOnly ? undefined : repairSourceOf(this.opts) },
            this.opts,
          ),
        );
        return;
      case "SfcOffline":
        this.ops.push(imageOp(a.action, "sfcScan", {}, this.opts));
        return;
      case "RemoveDriverPackage":
        this.ops.push(
          imageOp(a.action, "dismRemoveDriver", { publishedInf: a.args.publishedInf }, this.opts),
        );
        return;
      case "RestoreLastKnownGood":
        return this.restoreLastKnownGood();
      case "DisableDriver": {
        const key = this.serviceKey(a.args.service);
        if (key === undefined) {
          throw new PlanError(
            "unexpected-evidence",
            `DisableDriver: ${this.controlSet}\\Services has no key ${a.args.service}: nothing to disable`,
          );
        }
        return this.setValue(a.action, key, "Start", { type: "REG_DWORD", data: 4 });
      }
      case "CleanBoot":
        for (const service of a.args.services) {
          const key = this.serviceKey(service);
          if (key === undefined) this.notes.push(`CleanBoot: ${service} has no key: left out`);
          else this.setValue(a.action, key, "Start", { type: "REG_DWORD", data: 4 });
        }
        return;
      case "UndoCleanBoot":
        return this.undoCleanBoot();
      case "EnableCrashDump": {
        const key = `${this.controlSet}\\Control\\CrashControl`;
        const kind = a.args.kind ?? "automatic";
        this.setValue(a.action, key, "CrashDumpEnabled", {
          type: "REG_DWORD",
          data: CRASH_DUMP_ENABLED[kind],
        });
        const root = "%SystemRoot%";
        this.setValue(a.action, key, "MinidumpDir", {
          type: "REG_EXPAND_SZ",
          data: `${root}\\Minidump`,
        });
        this.setValue(a.action, key, "DumpFile", {
          type: "REG_EXPAND_SZ",
          data: `${root}\\MEMORY.DMP`,
        });
        this.setValue(a.action, key, "NMICrashDump", { type: "REG_DWORD", data: 1 });
        return;
      }
      case "SetSafeBoot":
        return this.setElement(
          a.action,
          this.loaderEntry(a.action),
          "safeboot",
          SAFEBOOT[a.args.mode],
        );
      case "ClearSafeBoot":
        return this.setElement(a.action, this.loaderEntry(a.action), "safeboot", null);
      case "EnableEms":
        this.setElement(a.action, this.loaderEntry(a.action), "ems", true);
        this.setElement(a.action, BOOTMGR_GUID, "bootems", true);
        return;
      case "QuarantineDriverFile": {
        const file = a.args.path.replace(/^[A-Za-z]:\\|^\\+/, "");
        this.ops.push({
          phase: "file",
          op: "quarantine",
          action: a.action,
          target: file,
          undo: { op: "moveBack" },
          path: file,
          to: this.opts.quarantineFolder ?? "vm-rescue\\quarantine",
          recordAcl: true,
        });
        return;
      }
    }
  }

  /** Select\Current and Default = LastKnownGood, Failed = the set that failed; later edits go there. */
  restoreLastKnownGood(): void {
    const lkg = this.system.key("Select")?.value("LastKnownGood")?.data;
    if (typeof lkg !== "number" || this.system.key(controlSetName(lkg)) === undefined) {
      throw new PlanError(
        "unexpected-evidence",
        "RestoreLastKnownGood: Select\\LastKnownGood is absent or names a control set the hive does not have",
      );
    }
    const failed = Number(this.controlSet.slice("ControlSet".length));
    if (lkg === failed) {
      this.notes.push(`RestoreLastKnownGood: ${this.controlSet} already is LastKnownGood`);
      return;
    }
    this.setValue("RestoreLastKnownGood", "Select", "Failed", { type: "REG_DWORD", data: failed });
    this.setValue("RestoreLastKnownGood", "Select", "Current", { type: "REG_DWORD", data: lkg });
    this.setValue("RestoreLastKnownGood", "Select", "Default", { type: "REG_DWORD", data: lkg });
    this.controlSet = controlSetName(lkg);
  }

  undoCleanBoot(): void {
    const prior = this.opts.priorCleanBoot;
    if (prior === undefined || prior.length === 0) {
      throw new PlanError(
        "invalid-option",
        "UndoCleanBoot needs the operations of the clean boot it reverses (its recorded plan)",
      );
    }
    for (const op of prior) {
      if (op.expected === null) continue;
      this.setValue("UndoCleanBoot", op.key, op.name, op.expected);
    }
  }
}

/** Refuses combinations Windows cannot service in one run. */
function checkCombination(actions: readonly RepairAction[]): void {
  const names = new Set(actions.map((a) => a.action));
  if (
    names.has("RevertPendingActions") &&
    (names.has("DismRestoreHealth") || names.has("SfcOffline"))
  ) {
    throw new PlanError(
      "invalid-option",
      "RevertPendingActions completes only at the next boot: DismRestoreHealth and SfcOffline cannot run in the same repair",
    );
  }
}

/**
 * The operations of `plan`, in phase order (within a phase in plan order, a LastKnownGood switch
 * first so every later edit goes to the control set that will boot).
 */
export function compileRepairPlan(
  plan: RepairPlan,
  evidence: { system: Hive; bcd: BcdStore | null },
  opts: CompileOptions = {},
): CompiledRepair {
  checkCombination(plan.actions);
  const c = new Compiler(evidence.system, evidence.bcd, opts);
  const lkgFirst = [...plan.actions].sort(
    (a, b) =>
      Number(b.action === "RestoreLastKnownGood") - Number(a.action === "RestoreLastKnownGood"),
  );
  for (const a of lkgFirst) c.add(a);
  const order = (o: Operation) => OPERATION_PHASES.indexOf(o.phase);
  const operations = c.ops
    .map((o, i) => ({ o, i }))
    .sort((x, y) => order(x.o) - order(y.o) || x.i - y.i)
    .map((x) => x.o);
  const id = createHash("sha256").update(JSON.stringify(operations)).digest("hex").slice(0, 16);
  return {
    schemaVersion: 1,
    kind: "operationPlan",
    id,
    dryRun: plan.dryRun,
    controlSet: c.controlSet,
    bootEntry: evidence.bcd?.defaultLoader?.object.guid ?? null,
    operations,
    notes: c.notes,
  };
}
