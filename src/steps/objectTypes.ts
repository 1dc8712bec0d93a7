/**
 * The object types the step kinds' inputs and outputs hold, as the package schema declares them
 * (`vm-rescue:index:<name>` under `types`): the swap gate, the serial-console baseline and what the
 * triage decides. Each mirrors a TypeScript interface of the stages (a test holds them together);
 * a field that may be null is optional here.
 */
import { REPAIR_PARAMS } from "../guest/params.generated";
import type { ScriptParamType } from "../guest/paramValidation";
import type { ObjectTypeSpec, PropertySpec } from "./contract";

const str = (description: string, optional = false): PropertySpec => ({
  type: "string",
  description,
  ...(optional ? { optional } : {}),
});
const strings = (description: string, optional = false): PropertySpec => ({
  type: "array",
  items: { type: "string", description: "One item." },
  description,
  ...(optional ? { optional } : {}),
});
const int = (description: string, optional = false): PropertySpec => ({
  type: "integer",
  description,
  ...(optional ? { optional } : {}),
});
const bool = (description: string, optional = false): PropertySpec => ({
  type: "boolean",
  description,
  ...(optional ? { optional } : {}),
});

/** A property that holds one object of the type. */
export const objectOf = (
  objectType: ObjectTypeSpec,
  description: string,
  more: Partial<PropertySpec> = {},
): PropertySpec => ({ type: "object", objectType, description, ...more });

/** A property that holds a list of objects of the type. */
export const listOf = (objectType: ObjectTypeSpec, description: string): PropertySpec => ({
  type: "array",
  items: objectOf(objectType, "One item."),
  description,
});

/** `SwapGate` (src/repair/decide.ts). */
export const SWAP_GATE: ObjectTypeSpec = {
  name: "SwapGate",
  description: "Whether the swap may happen, and every reason why not.",
  properties: {
    allowed: bool("True when the swap may happen."),
    reasons: strings("Every reason the swap is blocked."),
  },
};

/** `SerialBaseline` (src/swap/serialLog.ts). */
export const SERIAL_BASELINE: ObjectTypeSpec = {
  name: "SerialBaseline",
  description:
    "Where the serial console log stood before the VM was started on another disk (length, hash, tail).",
  properties: {
    length: int("Characters in the log then."),
    sha256: str("SHA-256 (hex) of those characters."),
    tail: str("The last characters of the log then.", true),
  },
};

/** `Culprit` (src/repair/types.ts). */
export const CULPRIT: ObjectTypeSpec = {
  name: "Culprit",
  description: "The driver the triage blames.",
  properties: {
    module: str("The module's file name (e.g. `contoso.sys`)."),
    service: str("The service that loads it, when one was found.", true),
    thirdParty: bool("True when the module is not Microsoft's."),
    bootCritical: bool("True when the module is needed to boot."),
  },
};

/** `Decision` (src/repair/types.ts). */
export const DECISION: ObjectTypeSpec = {
  name: "RepairDecision",
  description: "One decision of the repair planner: an action (or `none`) and why.",
  properties: {
    action: str("The repair action, or `none`."),
    reason: str("Why."),
    evidence: strings("The evidence lines."),
  },
};

const BUG_CHECK: ObjectTypeSpec = {
  name: "BugCheck",
  description: "A bug check: its code, name and four parameters.",
  properties: {
    code: str("The code, e.g. `0x1000007E`."),
    name: str("Its symbolic name, when known.", true),
    parameters: strings("The four parameters as hex strings."),
  },
};

const DUMP_OS: ObjectTypeSpec = {
  name: "DumpOs",
  description: "The Windows build and machine a dump was written on.",
  properties: {
    build: int("The build number."),
    machine: str("`x64`, `arm64` or another machine."),
  },
};

const CAUSED_BY: ObjectTypeSpec = {
  name: "CausedBy",
  description: "The module a crash is attributed to, and how it was found.",
  properties: {
    module: str("Base file name of the module."),
    offset: str("Offset inside the module."),
    address: str("The resolved virtual address."),
    method: str("How the culprit was found."),
    evidence: strings("The evidence lines."),
  },
};

/** `TriageResult` (src/triage/types.ts). */
export const TRIAGE_RESULT: ObjectTypeSpec = {
  name: "TriageResult",
  description: "What the triage says about one kernel minidump.",
  properties: {
    file: str("The dump file."),
    bugCheck: objectOf(BUG_CHECK, "The bug check.", { optional: true }),
    crashTime: str("When it crashed (ISO 8601 UTC).", true),
    os: objectOf(DUMP_OS, "The Windows that crashed.", { optional: true }),
    causedBy: objectOf(CAUSED_BY, "The module the crash is attributed to.", { optional: true }),
    drivers: int("Number of loaded drivers in the dump.", true),
    error: str("Why the file is not a valid kernel minidump.", true),
  },
};

/** Every argument any repair action takes (`RepairActionArgs`, src/collect/contract.ts). */
const REPAIR_ACTION_ARGS: ObjectTypeSpec = {
  name: "RepairActionArgs",
  description: "The arguments of a repair action (each action uses some of them).",
  properties: {
    service: str("DisableDriver: the service.", true),
    force: bool("DisableDriver: even a boot-critical one.", true),
    path: str("QuarantineDriverFile: the file.", true),
    publishedInf: str("RemoveDriverPackage: the package's published name.", true),
    mode: str("SetSafeBoot: `minimal` or `network`.", true),
    services: strings("CleanBoot: the services to disable.", true),
    kind: str("EnableCrashDump: `small`, `kernel` or `automatic`.", true),
  },
};

const REPAIR_ACTION: ObjectTypeSpec = {
  name: "RepairAction",
  description: "A repair action with its arguments and reason.",
  properties: {
    action: str("The action's name."),
    args: objectOf(REPAIR_ACTION_ARGS, "Its arguments."),
    reason: str("Why."),
  },
};

/** `DriverFinding` (src/drivers/types.ts). */
export const DRIVER_FINDING: ObjectTypeSpec = {
  name: "DriverFinding",
  description: "One finding of the guest-driver check.",
  properties: {
    component: str("The component, e.g. `azure.guestAgent`."),
    found: str("The version on the disk, when the component is there.", true),
    required: str("What is required, in words."),
    severity: str("`info`, `warn` or `block`."),
    reason: str("Why."),
    source: str("Where the rule comes from."),
    remedy: str("What to do."),
    remedyAction: objectOf(REPAIR_ACTION, "A repair action that fixes it offline.", {
      optional: true,
    }),
  },
};

const PARAM_TYPES: Record<ScriptParamType, PropertySpec["type"]> = {
  string: "string",
  "string[]": "array",
  int: "integer",
  switch: "boolean",
};

/** `RepairParams` (src/guest/params.generated.ts): from the param() block of repair.ps1. */
export const REPAIR_PARAMS_TYPE: ObjectTypeSpec = {
  name: "RepairParams",
  description: "The validated parameters of repair.ps1.",
  properties: Object.fromEntries(
    REPAIR_PARAMS.map((p): [string, PropertySpec] => {
      const type = PARAM_TYPES[p.type];
      const spec: PropertySpec = { type, description: p.help ?? `repair.ps1 -${p.name}.` };
      if (type === "array") spec.items = { type: "string", description: "One item." };
      if (!p.mandatory) spec.optional = true;
      return [p.name, spec];
    }),
  ),
};

/** `RepairPlan` (src/collect/contract.ts): what repair.ps1 runs. */
export const REPAIR_PLAN: ObjectTypeSpec = {
  name: "RepairPlan",
  description: "The plan repair.ps1 runs: its actions in order, or a dry run.",
  properties: {
    schemaVersion: int("The collect/repair contract version."),
    kind: str("`repairPlan`."),
    dryRun: bool("True when the script only reports what it would do."),
    actions: listOf(REPAIR_ACTION, "The actions in the order the script runs them."),
  },
};

/** `RepairDifference` (src/repair/operations/verify.ts). */
export const REPAIR_DIFFERENCE: ObjectTypeSpec = {
  name: "RepairDifference",
  description: "Where a hive the repair returned differs from the plan.",
  properties: {
    where: str("The hive, key and value (or BCD element)."),
    kind: str("`not applied`, `differs`, `unexpected` or `missing`."),
    expected: str("What the plan writes there."),
    found: str("What the returned hive holds."),
  },
};

/** The `repairCheck` output of the components (src/vocabulary/outputs.ts `RepairCheckOutput`). */
export const REPAIR_CHECK: ObjectTypeSpec = {
  name: "RepairCheck",
  description: "The check of the hives the repair returned against the plan, before the swap.",
  properties: {
    ok: bool("True when the returned hives hold what the plan writes (true when not checked)."),
    checked: { type: "number", description: "Values and elements compared." },
    differences: listOf(
      REPAIR_DIFFERENCE,
      "Where the returned hives differ (each closed the gate).",
    ),
    checkedRaw: bool(
      "True when the returned hives were read and compared (a collect manifest run).",
    ),
    reason: str("Why nothing was checked (a collect.ps1 1.x document).", true),
  },
};
