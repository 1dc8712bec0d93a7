/**
 * The custom resource of a step kind: registered under the kind's token, so the engine hands it to
 * the `vm-rescue` provider plugin (or, offline, to Pulumi's mocks). Its outputs are declared so they
 * resolve; secret outputs are marked secret before they reach the state; the kind's deadlines
 * become the resource's custom timeouts unless the caller gives its own.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PropertySpec, StepKind } from "./contract";

/** The constructor arguments of a step resource: each input may be an Output. */
export type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** `"<n>s"`, the duration form custom timeouts take. */
const seconds = (n: number): string => `${Math.ceil(n)}s`;

export class StepResource extends pulumi.CustomResource {
  constructor(
    kind: Pick<StepKind, "token" | "outputs" | "timeouts">,
    name: string,
    args: Record<string, pulumi.Input<unknown> | undefined>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const outs: Record<string, undefined> = {};
    for (const k of Object.keys(kind.outputs)) outs[k] = undefined;
    const secrets = Object.entries(kind.outputs as Record<string, PropertySpec>)
      .filter(([, p]) => p.secret)
      .map(([k]) => k);
    super(
      kind.token,
      name,
      { ...args, ...outs },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets],
        customTimeouts: opts?.customTimeouts ?? {
          create: seconds(kind.timeouts.create),
          update: seconds(kind.timeouts.update),
          delete: seconds(kind.timeouts.delete),
        },
      },
    );
  }

  /** An output of the step by name. */
  out<T>(key: string): pulumi.Output<T> {
    return (this as unknown as Record<string, pulumi.Output<T>>)[key];
  }
}
