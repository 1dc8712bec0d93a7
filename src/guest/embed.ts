/**
 * Turns a recovery script plus validated parameter values into what Azure Run Command and AWS SSM
 * Run Command take. Values never become script text:
 *
 * - Azure (`VirtualMachineRunCommandByVirtualMachine`): the script goes in `source.script`; each
 *   value is one `{ name, value }` entry, which the handler passes as `-Name value`. List values are
 *   joined with "," (the scripts split them), because a value arrives as one literal string.
 *   `[switch]` parameters cannot be passed as name/value pairs; a switch that is on is set by one
 *   fixed generated line (`$DryRun = [switch]$true`) after the param() block — no user data.
 * - AWS (schema 2.2 `aws:runPowerShellScript`): every parameter is declared with
 *   `interpolationType: ENV_VAR` (SSM Agent 3.3.2746.0 or later sets `SSM_<name>`), and a fixed
 *   bootstrap splats those variables into the script, which runs as a script block.
 *
 * Scripts are read from `src/guest/*.ps1` next to this module; the compiled module in
 * `dist/scripts/` reads them from the package's `scripts/` folder (nothing is copied at build time).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../vocabulary/packageRoot";
import { CONTRACT_VERSION, type RepairPlan } from "../collect/contract";
import { ScriptParamError, psPatternToJsSource, type ScriptParamSpec } from "./paramValidation";
import {
  SCRIPT_PARAMS,
  validateCollectParams,
  validateRepairParams,
  type CollectParams,
  type RepairParams,
} from "./params.generated";

export type ScriptName = keyof typeof SCRIPT_PARAMS;
export interface ScriptParamsByName {
  "collect.ps1": CollectParams;
  "repair.ps1": RepairParams;
}

/** A script or document that cannot be built (missing file, size limit, a plan the script cannot run). */
export class EmbedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbedError";
  }
}

/** SSM document content limit ("must not exceed 64KB", runtime parameters included). */
export const SSM_DOCUMENT_MAX_BYTES = 64 * 1024;
/** The line in each script that loads the shared code; embedding replaces it with that code. */
export const COMMON_INCLUDE_LINE = ". (Join-Path $PSScriptRoot 'common.ps1')";
/** SSM Agent version that sets `SSM_<name>` environment variables for ENV_VAR parameters. */
export const SSM_AGENT_MIN_VERSION = "3.3.2746.0";
const SSM_BINDING_CHECK = "VmRescueEnvBinding";

const VALIDATORS: { [K in ScriptName]: (x: unknown) => ScriptParamsByName[K] } = {
  "collect.ps1": validateCollectParams,
  "repair.ps1": validateRepairParams,
};

/** Folder holding the .ps1 files: `src/guest/` of the package (read from the sources and from dist alike). */
export function scriptsDir(): string {
  const dir = path.join(packageRoot(), "src", "guest");
  if (existsSync(path.join(dir, "common.ps1"))) return dir;
  throw new EmbedError(`the recovery scripts (common.ps1) were not found in ${dir}`);
}

export function readScript(name: ScriptName | "common.ps1"): string {
  return readFileSync(path.join(scriptsDir(), name), "utf8")
    .replace(/^\uFEFF/, "")
    .replace(/\r\n/g, "\n");
}

/** The script with common.ps1 in place of its include line; the param() block stays first. */
export function embedScript(name: ScriptName): string {
  const text = readScript(name);
  // The leading help block (<# … #>) is for a person reading the file, not for the run: it stays
  // out of what is sent, which an SSM document caps at 64 KB.
  const all = text.split("\n");
  const helpEnd = all[0]?.trim() === "<#" ? all.findIndex((l) => l.trim() === "#>") : -1;
  const lines = helpEnd > 0 ? all.slice(helpEnd + 1) : all;
  const at = lines.flatMap((l, i) => (l.trim() === COMMON_INCLUDE_LINE ? [i] : []));
  if (at.length !== 1)
    throw new EmbedError(
      `${name} must contain the line ${COMMON_INCLUDE_LINE} exactly once (found ${at.length})`,
    );
  // common.ps1's comment-only lines stay in the file, not in what is sent: an SSM document holds
  // at most 64 KB (common.ps1 has no here-string or block comment a dropped line could belong to).
  const common = readScript("common.ps1")
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .trimEnd();
  return [
    ...lines.slice(0, at[0]),
    "# ---- begin common.ps1 (embedded) ----",
    common,
    "# ---- end common.ps1 ----",
    ...lines.slice(at[0] + 1),
  ].join("\n");
}

function specsOf(script: ScriptName): readonly ScriptParamSpec[] {
  const specs = SCRIPT_PARAMS[script];
  if (!specs) throw new EmbedError(`unknown script ${String(script)}`);
  return specs;
}

/** One value as the literal string the script receives. */
function wireValue(spec: ScriptParamSpec, value: unknown): string {
  if (spec.type === "string[]") return (value as string[]).join(",");
  return String(value);
}

export interface RunCommandParameter {
  name: string;
  value: string;
}

export interface AzureRunCommandSource {
  source: { script: string };
  parameters: RunCommandParameter[];
  protectedParameters: RunCommandParameter[];
}

/** Inputs for azure-native `compute.VirtualMachineRunCommandByVirtualMachine` (source, parameters). */
export function azureRunCommandSource<K extends ScriptName>(
  script: K,
  params: ScriptParamsByName[K],
): AzureRunCommandSource {
  const values = VALIDATORS[script](params) as unknown as Record<string, unknown>;
  const specs = specsOf(script);
  const switchesOn = specs
    .filter((s) => s.type === "switch" && values[s.name] === true)
    .map((s) => s.name);
  let text = embedScript(script);
  if (switchesOn.length > 0) {
    const marker = "# ---- end common.ps1 ----";
    text = text.replace(
      marker,
      [
        marker,
        ...switchesOn.map((n) => `$${n} = [switch]$true  # switch set by the vm-rescue embedding`),
      ].join("\n"),
    );
  }
  const parameters = specs
    .filter((s) => s.type !== "switch" && values[s.name] !== undefined)
    .map((s) => ({ name: s.name, value: wireValue(s, values[s.name]) }));
  return { source: { script: text }, parameters, protectedParameters: [] };
}

export interface SsmDocumentParameter {
  type: "String";
  description: string;
  default?: string;
  allowedPattern?: string;
  allowedValues?: string[];
  interpolationType: "ENV_VAR";
}

export interface SsmCommandDocument {
  schemaVersion: "2.2";
  description: string;
  parameters: Record<string, SsmDocumentParameter>;
  mainSteps: Array<{
    action: "aws:runPowerShellScript";
    name: string;
    precondition: { StringEquals: [string, string] };
    inputs: { runCommand: string[]; timeoutSeconds: string };
  }>;
}

export interface SsmCommand {
  /** Document content (`aws.ssm.Document` `content` as JSON). */
  document: SsmCommandDocument;
  /** Values for SendCommand / an association (`Parameters`), each a one-element list. */
  parameters: Record<string, string[]>;
}

function ssmParameter(spec: ScriptParamSpec): SsmDocumentParameter {
  const description =
    `${spec.help ?? spec.name} (${spec.type}${spec.type === "string[]" ? ", comma-separated" : ""})`.slice(
      0,
      500,
    );
  if (spec.type === "switch")
    return {
      type: "String",
      description,
      default: "false",
      allowedValues: ["true", "false"],
      interpolationType: "ENV_VAR",
    };
  const pattern =
    spec.type === "int"
      ? "^-?[0-9]{1,10}$"
      : spec.validateSet
        ? `^(?:${spec.validateSet.join("|")})$`
        : spec.validatePattern
          ? psPatternToJsSource(spec.validatePattern)
          : "^[^\\r\\n]*$";
  const out: SsmDocumentParameter = { type: "String", description, interpolationType: "ENV_VAR" };
  if (spec.mandatory) return { ...out, allowedPattern: pattern };
  // Optional: "" means "not given" (the bootstrap skips empty variables, the script keeps its default).
  return { ...out, default: "", allowedPattern: `^(?:${pattern.replace(/^\^|\$$/g, "")})?$` };
}

function ssmBootstrap(specs: readonly ScriptParamSpec[], scriptText: string): string[] {
  const lines = [
    "$ErrorActionPreference = 'Stop'",
    `if ($env:SSM_${SSM_BINDING_CHECK} -ne 'on') { throw 'vm-rescue needs SSM Agent ${SSM_AGENT_MIN_VERSION} or later (parameters as environment variables).' }`,
    "$vmRescueArgs = @{}",
  ];
  for (const s of specs) {
    const env = `$env:SSM_${s.name}`;
    const bind =
      s.type === "switch"
        ? `if (${env} -eq 'true') { $vmRescueArgs['${s.name}'] = $true }`
        : s.type === "int"
          ? `if (${env}) { $vmRescueArgs['${s.name}'] = [int]${env} }`
          : s.type === "string[]"
            ? `if (${env}) { $vmRescueArgs['${s.name}'] = @(${env} -split ',') }`
            : `if (${env}) { $vmRescueArgs['${s.name}'] = [string]${env} }`;
    lines.push(bind);
  }
  return [...lines, "& {", ...scriptText.split("\n"), "} @vmRescueArgs"];
}

/**
 * A schema 2.2 Command document running the script with `aws:runPowerShellScript`, and the
 * parameter values to send with it. Throws {@link EmbedError} over the 64 KB document limit.
 */
export function ssmCommandDocument<K extends ScriptName>(
  script: K,
  params: ScriptParamsByName[K],
  options: { timeoutSeconds?: number } = {},
): SsmCommand {
  const values = VALIDATORS[script](params) as unknown as Record<string, unknown>;
  const specs = specsOf(script);
  const timeout = options.timeoutSeconds ?? 5400;
  if (!Number.isInteger(timeout) || timeout < 60 || timeout > 172800)
    throw new EmbedError(`timeoutSeconds must be an integer in 60..172800, got ${timeout}`);
  const docParams: Record<string, SsmDocumentParameter> = {
    [SSM_BINDING_CHECK]: {
      type: "String",
      description: "Fixed; proves the agent passes parameters as environment variables.",
      default: "on",
      allowedValues: ["on"],
      interpolationType: "ENV_VAR",
    },
  };
  for (const s of specs) docParams[s.name] = ssmParameter(s);
  const document: SsmCommandDocument = {
    schemaVersion: "2.2",
    description: `vm-rescue ${script}: runs on the helper instance against the attached copy of the broken OS disk.`,
    parameters: docParams,
    mainSteps: [
      {
        action: "aws:runPowerShellScript",
        name: script.replace(/\.ps1$/, ""),
        precondition: { StringEquals: ["platformType", "Windows"] },
        inputs: {
          runCommand: ssmBootstrap(specs, embedScript(script)),
          timeoutSeconds: String(timeout),
        },
      },
    ],
  };
  const parameters: Record<string, string[]> = {};
  for (const s of specs)
    if (values[s.name] !== undefined) parameters[s.name] = [wireValue(s, values[s.name])];
  const size =
    Buffer.byteLength(JSON.stringify(document), "utf8") +
    Buffer.byteLength(JSON.stringify(parameters), "utf8");
  if (size > SSM_DOCUMENT_MAX_BYTES) {
    throw new EmbedError(
      `the SSM document for ${script} is ${size} bytes with its parameters; the limit is ${SSM_DOCUMENT_MAX_BYTES} bytes (64 KB)`,
    );
  }
  return { document, parameters };
}

/** What a plan does not carry but repair.ps1 needs. */
export interface RepairPlanExtra {
  /** Boot-critical services (planner's list); the script refuses to disable them unless forced. */
  protectedServices: readonly string[];
  diskNumber?: number;
  outputPath?: string;
}

/** "Windows\System32\drivers\x.sys", "\SystemRoot\...", "%SystemRoot%\...", "C:\Windows\..." -> "System32\drivers\x.sys". */
function windowsRelative(p: string): string {
  const s = p.replace(/\//g, "\\");
  const m =
    /^(?:[A-Za-z]:\\Windows\\|\\SystemRoot\\|%SystemRoot%\\|%windir%\\|\\?Windows\\)(.*)$/i.exec(s);
  if (m) return m[1];
  if (/^[A-Za-z]:|^\\/.test(s))
    throw new EmbedError(
      `QuarantineDriverFile path ${JSON.stringify(p)} is not under the Windows folder`,
    );
  return s;
}

function single<T>(what: string, values: T[]): T | undefined {
  const distinct = [...new Set(values)];
  if (distinct.length > 1)
    throw new EmbedError(
      `repair.ps1 takes one ${what} per run; the plan has ${distinct.map((v) => JSON.stringify(v)).join(", ")}`,
    );
  return distinct[0];
}

/** Turns a contract RepairPlan into validated repair.ps1 parameters (ScriptParamError / EmbedError on bad input). */
export function repairParamsFromPlan(plan: RepairPlan, extra: RepairPlanExtra): RepairParams {
  if (plan?.kind !== "repairPlan" || plan.schemaVersion !== CONTRACT_VERSION) {
    throw new EmbedError(
      `not a version ${CONTRACT_VERSION} repair plan (kind ${JSON.stringify(plan?.kind)}, schemaVersion ${JSON.stringify(plan?.schemaVersion)})`,
    );
  }
  if (!Array.isArray(plan.actions) || plan.actions.length === 0)
    throw new EmbedError("the repair plan has no actions");
  const args = <K extends RepairPlan["actions"][number]["action"]>(name: K) =>
    plan.actions
      .filter((a) => a.action === name)
      .map((a) => a.args as Extract<RepairPlan["actions"][number], { action: K }>["args"]);
  const disable = args("DisableDriver");
  const cleanBoot = single(
    "CleanBoot service list",
    args("CleanBoot").map((a) => a.services.join(",")),
  );
  const params: RepairParams = {
    Actions: plan.actions.map((a) => a.action),
    DriverService: single(
      "DisableDriver service",
      disable.map((a) => a.service),
    ),
    DriverFilePath: single(
      "QuarantineDriverFile path",
      args("QuarantineDriverFile").map((a) => windowsRelative(a.path)),
    ),
    PublishedInf: single(
      "RemoveDriverPackage package",
      args("RemoveDriverPackage").map((a) => a.publishedInf),
    ),
    SafeBootMode: single(
      "SetSafeBoot mode",
      args("SetSafeBoot").map((a) => a.mode),
    ),
    CrashDumpKind: single(
      "EnableCrashDump kind",
      args("EnableCrashDump").map((a) => a.kind ?? "automatic"),
    ),
    CleanBootServices:
      cleanBoot === undefined ? undefined : cleanBoot.split(",").filter((s) => s !== ""),
    ProtectedServices: [...extra.protectedServices],
    DiskNumber: extra.diskNumber,
    OutputPath: extra.outputPath,
    ForceBootCritical: disable.some((a) => a.force === true) || undefined,
    DryRun: plan.dryRun === true || undefined,
  };
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  return validateRepairParams(defined);
}

export { ScriptParamError };
