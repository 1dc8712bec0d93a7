/**
 * The Pulumi program behind `pulumi up` in this project (see index.ts): reads the stack config and
 * instantiates the rescue component of the chosen cloud. The offline `vm-rescue plan` and the
 * simulated rescue run this same function under Pulumi's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AzureWindowsRescueArgs } from "../clouds/azure/component";
import type { AwsWindowsRescueArgs } from "../clouds/aws/component";
import { PROJECT } from "./settings";
import { PACKAGE_NAME } from "../vocabulary/tokens";

/** A stack setting that is missing or malformed; the CLI reports it as a usage error (exit 2). */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

/** Reads a setting by key (without namespace); undefined when unset. */
export type SettingReader = (key: string) => string | undefined;

import { rescueIdFromStack } from "./stackNames";
export { rescueIdFromStack };

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
    standbyHelperId: get("standbyHelperId"),
    standbyHelperSubnetId: get("standbyHelperSubnetId"),
    standbyHelperZone: get("standbyHelperZone"),
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
    standbyHelperId: get("standbyHelperId"),
    standbyHelperSubnetId: get("standbyHelperSubnetId"),
    standbyHelperZone: get("standbyHelperZone"),
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

type SettingKind = "string" | "boolean" | "secret";

/**
 * The credential settings of each cloud provider that the steps take over, by the cloud provider's
 * own stack-setting names (`azure-native:<key>`, `aws:<key>`) and the `vm-rescue` provider key they
 * feed. Secrets are read as secrets and stay secret in the provider's inputs.
 */
const AZURE_NATIVE_KEYS: Record<string, SettingKind> = {
  subscriptionId: "string",
  tenantId: "string",
  clientId: "string",
  clientSecret: "secret",
  useOidc: "boolean",
  oidcToken: "secret",
};
const AWS_KEYS: Record<string, SettingKind> = {
  region: "string",
  profile: "string",
  accessKey: "string",
  secretKey: "secret",
  token: "secret",
};

function readSection(
  namespace: string,
  keys: Record<string, SettingKind>,
): Record<string, pulumi.Input<unknown>> {
  const c = new pulumi.Config(namespace);
  const out: Record<string, pulumi.Input<unknown>> = {};
  for (const [key, kind] of Object.entries(keys)) {
    const v =
      kind === "boolean" ? c.getBoolean(key) : kind === "secret" ? c.getSecret(key) : c.get(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The single role of `aws:assumeRoles` (or the older `aws:assumeRole`); a chain is refused. */
function awsAssumedRole(): string | undefined {
  const c = new pulumi.Config("aws");
  type Role = { roleArn?: string };
  const many = c.getObject<Role[]>("assumeRoles");
  const one = c.getObject<Role>("assumeRole");
  const roles = (many ?? (one ? [one] : [])).filter((r) => r && r.roleArn);
  if (roles.length > 1)
    throw new SettingError(
      "configuration aws:assumeRoles names a chain of roles; the rescue steps assume one role: set vm-rescue:aws with assumeRoleArn",
    );
  return roles[0]?.roleArn;
}

/**
 * `vm-rescue:<section>` (an object) over the cloud provider's settings, key by key; the keys that
 * are secrets in the provider's schema (client secret, OIDC token, secret key, session token) are
 * passed as secrets however the stack stored them.
 */
function withOwnSection(
  section: "azure" | "aws",
  keys: Record<string, SettingKind>,
  base: Record<string, pulumi.Input<unknown>>,
): Record<string, pulumi.Input<unknown>> {
  const key = `${PROJECT}:${section}`;
  let own: unknown;
  try {
    own = new pulumi.Config(PROJECT).getObject<unknown>(section);
  } catch {
    throw new SettingError(`configuration ${key} must be an object`);
  }
  if (own === undefined) return base;
  if (!own || typeof own !== "object" || Array.isArray(own))
    throw new SettingError(`configuration ${key} must be an object`);
  const out = { ...base };
  for (const [k, v] of Object.entries(own as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k] = keys[k] === "secret" ? pulumi.secret(v) : v;
  }
  return out;
}

/**
 * The inputs of the explicit `vm-rescue` provider the steps run under, so that they act as the
 * stack's own identity. Precedence, highest first:
 *
 * 1. `vm-rescue:azure` / `vm-rescue:aws` (objects in the provider's own config schema);
 * 2. the stack's `azure-native:*` settings (clientId, clientSecret, tenantId, subscriptionId,
 *    useOidc, oidcToken), resp. `aws:*` (region, profile, accessKey, secretKey, token,
 *    assumeRoles/assumeRole) — what azure-native and the aws provider themselves use;
 * 3. at run time, in the plugin, what is still unset comes from the environment variables those
 *    providers read (ARM_*, AWS_*) and then from the SDKs' default chains (see
 *    src/clouds/azure/runtime.ts and src/clouds/aws/context.ts).
 *
 * `vm-rescue:simulatedCloud` passes through (the offline rescue).
 */
export function stepProviderArgs(cloud: "azure" | "aws"): pulumi.Inputs {
  const args: pulumi.Inputs = {};
  if (cloud === "azure") {
    args.azure = withOwnSection(
      "azure",
      AZURE_NATIVE_KEYS,
      readSection("azure-native", AZURE_NATIVE_KEYS),
    );
  } else {
    const base = readSection("aws", AWS_KEYS);
    const role = awsAssumedRole();
    if (role) base.assumeRoleArn = role;
    args.aws = withOwnSection("aws", AWS_KEYS, base);
  }
  const simulated = new pulumi.Config(PROJECT).get("simulatedCloud");
  if (simulated) args.simulatedCloud = simulated;
  return args;
}

/** The explicit provider of the steps: `pulumi:providers:vm-rescue`. */
export class StepProvider extends pulumi.ProviderResource {
  constructor(name: string, args: pulumi.Inputs, opts?: pulumi.ResourceOptions) {
    super(PACKAGE_NAME, name, args, opts);
  }
}

/** The steps' provider of the stack, with {@link stepProviderArgs}. */
export function stepProvider(cloud: "azure" | "aws"): StepProvider {
  return new StepProvider("steps", stepProviderArgs(cloud));
}

/** The program: returns the stack outputs. */
export function rescueProgram(): Record<string, pulumi.Output<unknown>> {
  const config = new pulumi.Config(PROJECT);
  const get: SettingReader = (k) => config.get(k);
  const cloud = get("cloud") ?? "azure";
  // Each cloud's component (and its SDK) is loaded only when its rescue runs.
  if (cloud === "azure") {
    const { AzureWindowsRescue } =
      require("../clouds/azure/component") as typeof import("../clouds/azure/component");
    const args = azureArgsFromSettings(get, pulumi.getStack());
    const providers = [stepProvider("azure")];
    return componentOutputs(new AzureWindowsRescue(args.rescueId as string, args, { providers }));
  }
  if (cloud === "aws") {
    const { AwsWindowsRescue } =
      require("../clouds/aws/component") as typeof import("../clouds/aws/component");
    const args = awsArgsFromSettings(get, pulumi.getStack());
    const providers = [stepProvider("aws")];
    return componentOutputs(new AwsWindowsRescue(args.rescueId as string, args, { providers }));
  }
  throw new SettingError(
    `configuration vm-rescue:cloud must be "azure" or "aws" (got ${JSON.stringify(cloud)})`,
  );
}
