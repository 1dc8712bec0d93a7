/**
 * The Pulumi program behind `pulumi up` in this project (see index.ts): reads the stack config and
 * instantiates the rescue component of the chosen cloud. The offline `vm-rescue plan` and the
 * simulated rescue run this same function under Pulumi's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureWindowsRescue, AzureWindowsRescueArgs } from "../clouds/azure/component";
import { AwsWindowsRescue, AwsWindowsRescueArgs } from "../clouds/aws/component";
import { PACKAGE_NAME } from "../vocabulary/tokens";

/** The project name, i.e. the config namespace (`vm-rescue:vmName`). */
export const PROJECT = PACKAGE_NAME;

/** One stack setting. Pulumi.yaml declares the same list (a test keeps them equal). */
export interface Setting {
  key: string;
  type: "string" | "integer" | "boolean" | "array";
  description: string;
  /** Default as Pulumi.yaml writes it; absent when the setting is required or computed. */
  default?: string | number | boolean;
  clouds: ("azure" | "aws")[];
}

export const SETTINGS: Setting[] = [
  {
    key: "cloud",
    type: "string",
    default: "azure",
    clouds: ["azure", "aws"],
    description: "Where the broken VM runs: azure or aws.",
  },
  {
    key: "rescueId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Identifies this rescue in resource names and tags (1-24 lowercase letters, digits, hyphens). Default: the stack name.",
  },
  {
    key: "resourceGroup",
    type: "string",
    clouds: ["azure"],
    description: "Resource group of the broken VM (required on Azure).",
  },
  {
    key: "vmName",
    type: "string",
    clouds: ["azure"],
    description: "Name of the broken VM (required on Azure).",
  },
  {
    key: "helperVmSize",
    type: "string",
    default: "Standard_D2s_v5",
    clouds: ["azure"],
    description: "Size of the helper VM.",
  },
  {
    key: "helperImageSku",
    type: "string",
    clouds: ["azure"],
    description:
      "MicrosoftWindowsServer:WindowsServer SKU of the helper. Default: a Windows Server version different from the broken VM's (2022, else 2025), smalldisk, Gen2.",
  },
  {
    key: "helperOsDiskSku",
    type: "string",
    default: "StandardSSD_LRS",
    clouds: ["azure"],
    description: "Storage type of the helper's own OS disk.",
  },
  {
    key: "helperResourceGroup",
    type: "string",
    clouds: ["azure"],
    description:
      "Resource group for the helper VM, its NIC/NSG and the artifacts storage. Default: the VM's group.",
  },
  {
    key: "copyDiskSku",
    type: "string",
    clouds: ["azure"],
    description: "Storage type of the OS-disk copy. Default: the original disk's.",
  },
  {
    key: "hyperVGeneration",
    type: "string",
    clouds: ["azure"],
    description: "V1 or V2, when Azure does not report the VM's generation.",
  },
  {
    key: "subnetId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Subnet for the helper's NIC. Default: the subnet of the broken VM's primary NIC (on AWS: the instance's subnet; it must be in the same availability zone).",
  },
  {
    key: "adminUsername",
    type: "string",
    default: "rescueadmin",
    clouds: ["azure"],
    description: "Admin user of the helper VM (its password is generated and kept secret).",
  },
  {
    key: "instanceId",
    type: "string",
    clouds: ["aws"],
    description: "Id of the broken EC2 instance, i-… (required on AWS).",
  },
  {
    key: "region",
    type: "string",
    clouds: ["aws"],
    description: "Region of the instance. Default: the AWS provider's region (aws:region).",
  },
  {
    key: "mode",
    type: "string",
    default: "copy",
    clouds: ["aws"],
    description:
      "copy: repair a new volume made from the backup snapshot and swap it in (the original root is kept); inPlace: stop, detach and repair the original root volume.",
  },
  {
    key: "helperInstanceType",
    type: "string",
    default: "t3.medium",
    clouds: ["aws"],
    description: "Instance type of the helper.",
  },
  {
    key: "helperAmiParameter",
    type: "string",
    clouds: ["aws"],
    description:
      "SSM public parameter of the helper AMI (/aws/service/ami-windows-latest/…). Default: a Windows Server version different from the instance's.",
  },
  {
    key: "windowsVersion",
    type: "string",
    clouds: ["aws"],
    description:
      "Windows Server version of the instance (2016, 2019, 2022, 2025) when its AMI does not tell.",
  },
  {
    key: "kmsGrantConfirmed",
    type: "boolean",
    clouds: ["aws"],
    description:
      "Confirms the deploying identity may use the encrypted root volume's KMS key (kms:CreateGrant, Decrypt, ReEncrypt*, GenerateDataKeyWithoutPlaintext, DescribeKey); required for encrypted roots.",
  },
  {
    key: "natConfirmed",
    type: "boolean",
    clouds: ["aws"],
    description:
      "Confirms the helper's subnet reaches SSM through a NAT gateway (otherwise it needs the ssm, ec2messages, ssmmessages and s3 VPC endpoints).",
  },
  {
    key: "swap",
    type: "boolean",
    default: true,
    clouds: ["azure", "aws"],
    description:
      "Swap the repaired disk in (Azure: as the VM's OS disk; AWS: as root volume) and verify the boot; false stops after the repair.",
  },
  {
    key: "rollback",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Put the replaced OS disk back (Azure and AWS copy: the original disk/volume; AWS inPlace: a volume from the backup snapshot).",
  },
  {
    key: "swapGeneration",
    type: "integer",
    default: 0,
    clouds: ["azure"],
    description:
      "Raise it (1, 2, ...) to swap the repaired copy in again after a rollback; a rolled-back swap is never redone otherwise.",
  },
  {
    key: "driver",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Force the culprit driver (service name or .sys file name on the disk) instead of the triage's choice.",
  },
  {
    key: "dryRun",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Run the repair script as a dry run: it reports what it would do and changes nothing; nothing is swapped.",
  },
  {
    key: "actions",
    type: "array",
    clouds: ["azure", "aws"],
    description:
      'Repair actions to run instead of the automatic choice (repair.ps1 names, e.g. ["DisableDriver","EnableCrashDump"]).',
  },
  {
    key: "allowIncompatibleDrivers",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Swap even when the guest-driver check blocks it (outdated guest agent or integration services; on AWS missing ENA/NVMe drivers for a Nitro type).",
  },
  {
    key: "targetInstanceType",
    type: "string",
    clouds: ["aws"],
    description:
      "Instance type the repaired root must boot on, for the guest-driver check (e.g. a Nitro type the instance moves to; a missing ENA/NVMe driver blocks the swap). Default: the instance's current type. vm-rescue does not change the type.",
  },
  {
    key: "originalRootVolumeId",
    type: "string",
    clouds: ["aws"],
    description:
      "The instance's original root volume (vol-…). Normally read from the root's tags (after the swap the root is this rescue's copy, tagged vm-rescue:copy-of); set it when the copy has no such tag.",
  },
  {
    key: "verifyTimeoutMinutes",
    type: "integer",
    default: 20,
    clouds: ["azure"],
    description:
      "How long the boot verification waits for the swapped VM to run with its guest agent Ready.",
  },
  {
    key: "originalOsDiskId",
    type: "string",
    clouds: ["azure"],
    description:
      "ARM id of the VM's original OS disk. Normally read from the VM (after the swap: from the repaired copy's vm-rescue:copy-of tag); set it when the VM already runs on this rescue's copy and the copy has no such tag.",
  },
  {
    key: "operatorPrincipalType",
    type: "string",
    default: "User",
    clouds: ["azure"],
    description:
      "User, or ServicePrincipal when pulumi up runs in CI: the type of the deploying identity, which gets temporary read access to the artifacts.",
  },
  {
    key: "tags",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      'Extra tags on every resource the rescue creates, as a JSON object of strings, e.g. {"ticket":"INC-4711"}.',
  },
];

/** Pulumi.yaml, rendered from {@link SETTINGS} (`npm run gen:pulumi-yaml`; a test fails when it is stale). */
export function renderPulumiYaml(): string {
  const lines = [
    "# Generated from SETTINGS in src/engine/program.ts by `npm run gen:pulumi-yaml`: edit there, not here.",
    "name: vm-rescue",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    "main: index.ts",
    "description: Rescue a Windows VM stuck in a BSOD boot loop (snapshot, copy, helper VM, offline triage and repair, swap, verify).",
    "config:",
  ];
  for (const s of SETTINGS) {
    lines.push(`  ${s.key}:`, `    type: ${s.type}`);
    if (s.type === "array") lines.push("    items:", "      type: string");
    lines.push(`    description: ${JSON.stringify(`${s.description} [${s.clouds.join(", ")}]`)}`);
    if (s.default !== undefined) lines.push(`    default: ${JSON.stringify(s.default)}`);
  }
  return lines.join("\n") + "\n";
}

/** Rewrites Pulumi.yaml and the README's settings table from {@link SETTINGS} (`npm run gen:pulumi-yaml`). */
export function writeGeneratedDocs(root: string): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require("fs") as typeof import("fs");
  const join = (f: string) => `${root}/${f}`;
  fs.writeFileSync(join("Pulumi.yaml"), renderPulumiYaml());
  const readme = fs.readFileSync(join("README.md"), "utf8");
  fs.writeFileSync(join("README.md"), replaceSettingsTable(readme));
}

const SETTINGS_START = "<!-- settings:start -->";
const SETTINGS_END = "<!-- settings:end -->";

/** The README text with the table between its settings markers replaced by the current one. */
export function replaceSettingsTable(readme: string): string {
  const a = readme.indexOf(SETTINGS_START);
  const b = readme.indexOf(SETTINGS_END);
  if (a < 0 || b < a)
    throw new Error(`README.md has no ${SETTINGS_START} ... ${SETTINGS_END} markers`);
  return `${readme.slice(0, a + SETTINGS_START.length)}\n${renderSettingsTable()}\n${readme.slice(b)}`;
}

/** The Markdown table of settings the README carries between its `settings` markers. */
export function renderSettingsTable(): string {
  const cell = (t: string) => t.replace(/\|/g, "\\|");
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.key}\` | ${s.type} | ${s.default === undefined ? "" : `\`${String(s.default)}\``} | ${s.clouds.join(", ")} | ${cell(s.description)} |`,
  );
  return ["| Setting | Type | Default | Cloud | Meaning |", "|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}

/** A stack setting that is missing or malformed; the CLI reports it as a usage error (exit 2). */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

/** Reads a setting by key (without namespace); undefined when unset. */
export type SettingReader = (key: string) => string | undefined;

/** A rescue id from the stack name: lowercase letters, digits and hyphens, ≤ 24 chars. */
export function rescueIdFromStack(stack: string): string {
  const id = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return id || "rescue";
}

function requireSetting(get: SettingReader, key: string): string {
  const v = get(key);
  if (v === undefined || v === "")
    throw new SettingError(
      `missing required configuration vm-rescue:${key} (pulumi config set ${key} <value>)`,
    );
  return v;
}

function objectSetting(get: SettingReader, key: string): Record<string, string> | undefined {
  const raw = get(key);
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new SettingError(`configuration vm-rescue:${key} must be a JSON object of strings`);
  }
  if (
    !v ||
    typeof v !== "object" ||
    Array.isArray(v) ||
    Object.values(v).some((x) => typeof x !== "string")
  ) {
    throw new SettingError(`configuration vm-rescue:${key} must be a JSON object of strings`);
  }
  return v as Record<string, string>;
}

/** The Azure component's arguments from stack settings (a pure mapping, shared with `vm-rescue plan`). */
export function azureArgsFromSettings(get: SettingReader, stack: string): AzureWindowsRescueArgs {
  return {
    resourceGroupName: requireSetting(get, "resourceGroup"),
    vmName: requireSetting(get, "vmName"),
    rescueId: get("rescueId") ?? rescueIdFromStack(stack),
    helperVmSize: get("helperVmSize"),
    helperImageSku: get("helperImageSku"),
    helperOsDiskSku: get("helperOsDiskSku"),
    helperResourceGroupName: get("helperResourceGroup"),
    copyDiskSku: get("copyDiskSku"),
    hyperVGeneration: get("hyperVGeneration"),
    subnetId: get("subnetId"),
    adminUsername: get("adminUsername"),
    tags: objectSetting(get, "tags"),
    driver: get("driver"),
    actions: listSetting(get, "actions"),
    dryRun: booleanSetting(get, "dryRun"),
    swap: booleanSetting(get, "swap"),
    allowIncompatibleDrivers: booleanSetting(get, "allowIncompatibleDrivers"),
    rollback: booleanSetting(get, "rollback"),
    verifyTimeoutMinutes: integerSetting(get, "verifyTimeoutMinutes"),
    swapGeneration: integerSetting(get, "swapGeneration"),
    operatorPrincipalType: get("operatorPrincipalType"),
    originalOsDiskId: get("originalOsDiskId"),
  };
}

/** A list setting: a JSON array of strings (structured config) or comma-separated text. */
function listSetting(get: SettingReader, key: string): string[] | undefined {
  const raw = get(key);
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!raw.trim().startsWith("["))
    return raw
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "");
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw new SettingError(`configuration vm-rescue:${key} must be a list of strings`);
  return v as string[];
}

function integerSetting(get: SettingReader, key: string): number | undefined {
  const raw = get(key);
  if (raw === undefined || raw === "") return undefined;
  if (!/^-?[0-9]+$/.test(raw.trim()))
    throw new SettingError(`configuration vm-rescue:${key} must be a whole number`);
  return Number(raw);
}

function booleanSetting(get: SettingReader, key: string): boolean | undefined {
  const raw = get(key);
  if (raw === undefined || raw === "") return undefined;
  if (raw !== "true" && raw !== "false")
    throw new SettingError(`configuration vm-rescue:${key} must be true or false`);
  return raw === "true";
}

/** The AWS component's arguments from stack settings (a pure mapping, shared with `vm-rescue plan`). */
export function awsArgsFromSettings(get: SettingReader, stack: string): AwsWindowsRescueArgs {
  return {
    instanceId: requireSetting(get, "instanceId"),
    region: get("region"),
    rescueId: get("rescueId") ?? rescueIdFromStack(stack),
    mode: get("mode"),
    helperInstanceType: get("helperInstanceType"),
    helperAmiParameter: get("helperAmiParameter"),
    subnetId: get("subnetId"),
    windowsVersion: get("windowsVersion"),
    kmsGrantConfirmed: booleanSetting(get, "kmsGrantConfirmed"),
    natConfirmed: booleanSetting(get, "natConfirmed"),
    swap: booleanSetting(get, "swap"),
    rollback: booleanSetting(get, "rollback"),
    dryRun: booleanSetting(get, "dryRun"),
    repairDriver: get("driver"),
    actions: listSetting(get, "actions"),
    allowIncompatibleDrivers: booleanSetting(get, "allowIncompatibleDrivers"),
    targetInstanceType: get("targetInstanceType"),
    originalRootVolumeId: get("originalRootVolumeId"),
    tags: objectSetting(get, "tags"),
  };
}

/** Every public output of a component (its documented properties), as stack outputs. */
export function componentOutputs(
  component: pulumi.ComponentResource,
): Record<string, pulumi.Output<unknown>> {
  return Object.fromEntries(
    Object.entries(component).filter(
      ([key, value]) => key !== "urn" && !key.startsWith("__") && pulumi.Output.isInstance(value),
    ),
  ) as Record<string, pulumi.Output<unknown>>;
}

/** The program: returns the stack outputs. */
export function rescueProgram(): Record<string, pulumi.Output<unknown>> {
  const config = new pulumi.Config(PROJECT);
  const get: SettingReader = (k) => config.get(k);
  const cloud = get("cloud") ?? "azure";
  if (cloud === "azure") {
    const args = azureArgsFromSettings(get, pulumi.getStack());
    return componentOutputs(new AzureWindowsRescue(args.rescueId as string, args));
  }
  if (cloud === "aws") {
    const args = awsArgsFromSettings(get, pulumi.getStack());
    return componentOutputs(new AwsWindowsRescue(args.rescueId as string, args));
  }
  throw new SettingError(
    `configuration vm-rescue:cloud must be "azure" or "aws" (got ${JSON.stringify(cloud)})`,
  );
}
