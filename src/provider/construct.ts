/**
 * `Construct` of the two rescue components. The inputs arrive as the engine sends them: plain
 * values, or Outputs where they carry dependencies, secrets or unknowns (no input is `plain` in the
 * schema). The rescue is planned from the VM's description and the options, so construct waits
 * for the values; while one is unknown (a preview before the resource it comes from exists) the
 * component is registered with unknown outputs, and planned on the update that knows them.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { AzureWindowsRescue } from "../clouds/azure/component";
import { AwsWindowsRescue } from "../clouds/aws/component";
import type { AzureWindowsRescueArgs } from "../clouds/azure/args";
import type { AwsWindowsRescueArgs } from "../clouds/aws/args";
import {
  AWS_COMPONENT,
  AWS_STANDBY_HELPER_COMPONENT,
  AZURE_COMPONENT,
  STANDBY_HELPER_COMPONENT,
  type ComponentSpec,
} from "./components";
import { StandbyHelper, type StandbyHelperArgs } from "../clouds/azure/standbyHelper";
import { AwsStandbyHelper, type AwsStandbyHelperArgs } from "../clouds/aws/standbyHelper";

interface OutputInternals {
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
  allResources?(): Promise<Set<pulumi.Resource>>;
}

/** The inputs as plain values, whether all are known, secret, and the resources they come from. */
async function resolveInputs(inputs: pulumi.Inputs) {
  const all = pulumi.output(inputs) as unknown as OutputInternals;
  const [known, secret, values, deps] = await Promise.all([
    all.isKnown,
    all.isSecret,
    all.promise(),
    all.allResources ? all.allResources() : Promise.resolve(new Set<pulumi.Resource>()),
  ]);
  return { known, secret, values: (values ?? {}) as Record<string, unknown>, deps: [...deps] };
}

function unknownOutputs(spec: ComponentSpec, inputs: pulumi.Inputs): pulumi.Inputs {
  const pending = pulumi.output(inputs);
  return Object.fromEntries(
    Object.keys(spec.outputs).map((k) => [k, pending.apply(() => undefined)]),
  );
}

function outputsOf(spec: ComponentSpec, component: object, secret: boolean): pulumi.Inputs {
  const read = component as Record<string, pulumi.Output<unknown>>;
  return Object.fromEntries(
    Object.keys(spec.outputs).map((k) => [k, secret ? pulumi.secret(read[k]) : read[k]]),
  );
}

/** The component while its inputs are not known yet: its outputs are unknown too. */
class PendingRescue extends pulumi.ComponentResource {
  constructor(
    type: string,
    name: string,
    state: pulumi.Inputs,
    opts: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    this.registerOutputs(state);
  }
}

const SPECS: Record<string, ComponentSpec> = {
  [AZURE_COMPONENT.token]: AZURE_COMPONENT,
  [AWS_COMPONENT.token]: AWS_COMPONENT,
  [STANDBY_HELPER_COMPONENT.token]: STANDBY_HELPER_COMPONENT,
  [AWS_STANDBY_HELPER_COMPONENT.token]: AWS_STANDBY_HELPER_COMPONENT,
};

export async function constructComponent(
  name: string,
  type: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<provider.ConstructResult> {
  const spec = SPECS[type];
  if (!spec) throw new Error(`vm-rescue has no component ${type}`);
  const { known, secret, values, deps } = await resolveInputs(inputs);
  const dependsOn = [...((options.dependsOn as pulumi.Resource[] | undefined) ?? []), ...deps];
  const opts = { ...options, dependsOn };
  if (!known) {
    const state = unknownOutputs(spec, inputs);
    const pending = new PendingRescue(type, name, state, opts);
    return { urn: pending.urn, state };
  }
  const component =
    spec === AZURE_COMPONENT
      ? new AzureWindowsRescue(name, values as unknown as AzureWindowsRescueArgs, opts)
      : spec === STANDBY_HELPER_COMPONENT
        ? new StandbyHelper(name, values as unknown as StandbyHelperArgs, opts)
        : spec === AWS_STANDBY_HELPER_COMPONENT
          ? new AwsStandbyHelper(name, values as unknown as AwsStandbyHelperArgs, opts)
          : new AwsWindowsRescue(name, values as unknown as AwsWindowsRescueArgs, opts);
  return { urn: component.urn, state: outputsOf(spec, component, secret) };
}
