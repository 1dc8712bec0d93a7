/**
 * The plugin's configuration: who the steps run as (`StepConfig`). The stack sets it as
 * `vm-rescue:azure`, `vm-rescue:aws`, `vm-rescue:simulatedCloud` (or as the inputs of an explicit
 * `pulumi:providers:vm-rescue`); the engine sends it in `Configure`, secrets marked as such.
 */
import type { PropertySpec, StepConfig } from "../steps/contract";
import { containsUnknown, reveal, type Props } from "./values";
import { PACKAGE_NAME } from "../vocabulary/tokens";

type Section = { [key: string]: PropertySpec };

/** The credential settings of each cloud: the schema's config types and what Configure accepts. */
export const CONFIG_SECTIONS: { azure: Section; aws: Section } = {
  azure: {
    subscriptionId: { type: "string", optional: true, description: "Subscription of the VM." },
    tenantId: { type: "string", optional: true, description: "Microsoft Entra tenant." },
    clientId: {
      type: "string",
      optional: true,
      description: "Application (client) id of the service principal or the federated identity.",
    },
    clientSecret: {
      type: "string",
      optional: true,
      secret: true,
      description: "Client secret of the service principal.",
    },
    useOidc: {
      type: "boolean",
      optional: true,
      description: "Use workload identity federation (OIDC) as the azure-native provider does.",
    },
    oidcToken: {
      type: "string",
      optional: true,
      secret: true,
      description: "The OIDC token to exchange (default: the CI's token endpoint).",
    },
  },
  aws: {
    region: { type: "string", optional: true, description: "Region of the instance." },
    profile: { type: "string", optional: true, description: "Shared-config profile to use." },
    accessKey: { type: "string", optional: true, description: "Access key id." },
    secretKey: { type: "string", optional: true, secret: true, description: "Secret access key." },
    token: { type: "string", optional: true, secret: true, description: "Session token." },
    assumeRoleArn: {
      type: "string",
      optional: true,
      description: "Role the steps assume before any call (as the aws provider's assumeRole).",
    },
  },
};

export const SIMULATED_CLOUD_DESCRIPTION =
  "A JSON file that holds a simulated cloud: every step runs against it instead of Azure or AWS.";

function typeOf(v: unknown): string {
  return Array.isArray(v) ? "array" : typeof v;
}

/** A config value as `variables` carries it: strings as they are, anything else as JSON. */
function fromVariable(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The step configuration from a Configure request: `args` (the provider's inputs, secrets still
 * wrapped) when the engine sends them, else the `vm-rescue:config:<key>` variables. Throws one line
 * naming the setting when a value has the wrong shape.
 */
export function parseStepConfig(
  args: Props | undefined,
  variables: Map<string, string>,
): StepConfig {
  let raw: Props = {};
  if (args && Object.keys(args).length > 0) {
    raw = args;
  } else {
    const prefix = `${PACKAGE_NAME}:config:`;
    for (const [k, v] of variables) {
      if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = fromVariable(v);
    }
  }
  const values = reveal(raw) as Props;
  const config: StepConfig = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    // The rescue's own project is named like the package, so its stack settings
    // (`vm-rescue:vmName`, ...) share the namespace and reach the provider too: not ours, ignored.
    if (key !== "azure" && key !== "aws" && key !== "simulatedCloud") continue;
    if (containsUnknown(value)) {
      throw new Error(`${PACKAGE_NAME}:${key} is not known yet; the provider needs it to run`);
    }
    if (key === "simulatedCloud") {
      if (typeof value !== "string")
        throw new Error(`${PACKAGE_NAME}:simulatedCloud must be a file path`);
      config.simulatedCloud = value;
      continue;
    }
    const parsed = typeof value === "string" ? fromVariable(value) : value;
    if (typeOf(parsed) !== "object") throw new Error(`${PACKAGE_NAME}:${key} must be an object`);
    const section = CONFIG_SECTIONS[key];
    for (const [k, v] of Object.entries(parsed as Props)) {
      const spec = section[k];
      if (!spec) throw new Error(`${PACKAGE_NAME}:${key}.${k} is not a setting of the provider`);
      if (v !== undefined && v !== null && typeOf(v) !== spec.type) {
        throw new Error(`${PACKAGE_NAME}:${key}.${k} must be a ${spec.type}`);
      }
    }
    (config as Props)[key] = parsed;
  }
  return config;
}
