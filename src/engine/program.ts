/**
 * The Pulumi program behind `pulumi up` in this project (see index.ts): reads the stack config and
 * instantiates the rescue component of the chosen cloud. The offline `vm-rescue plan` and the
 * simulated rescue run this same function under Pulumi's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureWindowsRescue, AzureWindowsRescueArgs } from "../clouds/azure/component";
import { AwsWindowsRescue, AwsWindowsRescueArgs } from "../clouds/aws/component";
import { PROJECT } from "./settings";

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
    swapGeneration: integerSetting(get, "swapGeneration"),
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
