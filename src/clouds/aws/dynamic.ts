/**
 * How the AWS rescue's steps become dynamic resources. Each step is an idempotent async function of
 * an {@link OpsContext}; {@link stepProvider} runs it on create, re-runs it (replace) when an input
 * other than a timeout changes, and does nothing on delete: a rescue step cannot be undone by
 * deleting it (rollback is its own resource), and nothing here may ever delete a volume or a
 * snapshot. Pulumi serializes the provider with its captured functions; the SDK clients are created
 * inside each method ({@link sdkContext}), and tests pass their own context factory.
 */
import * as pulumi from "@pulumi/pulumi";
import { ContextFactory, OpsContext, sdkContext } from "./operations";
import { DYNAMIC_KINDS, DYNAMIC_MODULE, LEGACY_AWS_DYNAMIC_TYPES } from "../../vocabulary/tokens";

/** What every step gets: the region of its clients and how long it may take. */
export interface StepInputs {
  region: string;
  timeoutSeconds: number;
}

/** Inputs whose change does not re-run a step. */
const TUNING = new Set(["timeoutSeconds", "__provider"]);

/**
 * A dynamic provider running `step` on create. Any other changed input re-runs it (replace; the
 * old one's delete is a no-op). `delete` never touches the cloud.
 */
export function stepProvider<I extends StepInputs, O extends object>(
  step: (ctx: OpsContext, inputs: I) => Promise<O>,
  idOf: (inputs: I, outs: O) => string,
  contextFactory: ContextFactory = sdkContext,
): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: I) {
      const outs = await step(contextFactory(inputs.region), inputs);
      return { id: idOf(inputs, outs), outs: { ...inputs, ...outs } };
    },
    async diff(_id: string, olds: I, news: I) {
      const keys = new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})]);
      const replaces = [...keys].filter(
        (k) =>
          !TUNING.has(k) &&
          k in news &&
          JSON.stringify((olds as unknown as Record<string, unknown>)[k]) !==
            JSON.stringify((news as unknown as Record<string, unknown>)[k]),
      );
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, _olds: I, news: I) {
      return { outs: news };
    },
    async delete() {
      // Deliberately nothing: volumes, snapshots and the instance's state stay as the step left them.
    },
  };
}

/** The constructor arguments of a step resource: each input may be an Output. */
export type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * Type token `pulumi-nodejs:dynamic/vm-rescue:<Kind>` (aliased to the token the step had before the
 * clouds shared one module); `outputs` are declared so they resolve.
 */
export function stepArgs(
  step: keyof typeof DYNAMIC_KINDS.aws,
  provider: pulumi.dynamic.ResourceProvider,
  name: string,
  props: object,
  outputs: string[],
  opts?: pulumi.CustomResourceOptions,
): ConstructorParameters<typeof StepResource> {
  const seeded: Record<string, unknown> = { ...props };
  for (const o of outputs) seeded[o] = undefined;
  const aliases = [...(opts?.aliases ?? []), { type: LEGACY_AWS_DYNAMIC_TYPES[step] }];
  return [provider, name, seeded, { ...opts, aliases }, DYNAMIC_KINDS.aws[step]];
}

export class StepResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    kind: string,
  ) {
    super(provider, name, props, opts, DYNAMIC_MODULE, kind);
  }
  out<T>(key: string): pulumi.Output<T> {
    return (this as unknown as Record<string, pulumi.Output<T>>)[key];
  }
}
