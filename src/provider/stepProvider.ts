/**
 * The `vm-rescue` provider: every gRPC call of a step resource goes to its {@link StepKind}.
 * Nothing but the inputs and outputs goes into the state (the engine records the package name and
 * version): `delete` and `read` from another checkout, machine or CI runner run this plugin's code.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { diffStep, type PropertySpec, type StepConfig, type StepContext } from "../steps/contract";
import type { AnyStepKind } from "./anyKind";
import { callInfo } from "./calls";
import { checkProperties } from "./check";
import { unwrap, wrap, type Props } from "./values";

export type { AnyStepKind };

export interface StepProviderOptions {
  version: string;
  kinds: readonly AnyStepKind[];
  schema: () => string;
  /** Builds a component in `construct` (the two rescue components). */
  construct?: provider.Provider["construct"];
  /** Lines for the engine's diagnostics, tied to the resource. */
  log?: (urn: string, message: string) => void;
}

type Operation = "create" | "read" | "update" | "delete";

/** The type token of a resource from its URN (`urn:pulumi:stack::project::parent$type::name`). */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  return (parts[2] ?? "").split("$").pop() ?? "";
}

/** The names of a kind's properties that are never kept in plain text. */
function secretKeys(kind: AnyStepKind): Set<string> {
  const all = { ...kind.inputs, ...kind.outputs } as Record<string, PropertySpec>;
  return new Set(
    Object.entries(all)
      .filter(([, p]) => p.secret)
      .map(([k]) => k),
  );
}

export class StepProvider implements provider.Provider {
  readonly version: string;
  private readonly kinds: Map<string, AnyStepKind>;
  private config: StepConfig = {};
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: StepProviderOptions) {
    this.version = options.version;
    this.kinds = new Map(options.kinds.map((k) => [k.token, k]));
    if (options.construct) this.construct = options.construct;
  }

  construct?: provider.Provider["construct"];

  /** Receives the stack's provider configuration (from the Configure hook). */
  configure(config: StepConfig): void {
    this.config = config;
  }

  async getSchema(): Promise<string> {
    return this.options.schema();
  }

  private kind(urn: string): AnyStepKind {
    const token = typeOfUrn(urn);
    const kind = this.kinds.get(token);
    if (!kind) throw new Error(`vm-rescue ${this.version} has no resource type ${token}`);
    return kind;
  }

  async check(urn: string, _olds: Props, news: Props): Promise<provider.CheckResult> {
    const kind = this.kind(urn);
    return { inputs: news, failures: checkProperties(kind, news) };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const kind = this.kind(urn);
    const d = diffStep(kind, unwrap(olds).values, unwrap(news).values);
    return {
      changes: d.changes,
      replaces: d.replaces,
      deleteBeforeReplace: d.replaces.length > 0 && kind.deleteBeforeReplace === true,
    };
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const kind = this.kind(urn);
    const ins = unwrap(inputs);
    const { id, outs } = await this.run(kind, "create", urn, (ctx) => kind.create(ctx, ins.values));
    return { id, outs: this.state(kind, ins.values, outs, ins.secrets) };
  }

  async read(id: string, urn: string, props: Props): Promise<provider.ReadResult> {
    const kind = this.kind(urn);
    const old = unwrap(props ?? {});
    const live = await this.run(kind, "read", urn, (ctx) => kind.read(ctx, id, old.values));
    // The recorded inputs, unchanged; a state without them (an import) keeps the input keys it has.
    const recorded = callInfo().inputs;
    const inputs =
      recorded && Object.keys(recorded).length > 0
        ? recorded
        : Object.fromEntries(Object.entries(props ?? {}).filter(([k]) => k in kind.inputs));
    // No id: the thing the step acted on is gone, and the engine drops the resource from the state.
    if (live === null) return { id: "", props: {} };
    return { id, props: this.state(kind, old.values, live, old.secrets), inputs };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const kind = this.kind(urn);
    const old = unwrap(olds);
    const ins = unwrap(news);
    const outs = await this.run(kind, "update", urn, (ctx) =>
      kind.update(ctx, id, old.values, ins.values),
    );
    return { outs: this.state(kind, ins.values, outs, new Set([...ins.secrets])) };
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    const kind = this.kind(urn);
    const state = unwrap(props);
    await this.run(kind, "delete", urn, (ctx) => kind.delete(ctx, id, state.values));
  }

  /** The engine's Cancel: every call in flight is aborted and returns an error. */
  async cancel(): Promise<void> {
    for (const c of this.inFlight) c.abort(new Error("the update was cancelled"));
  }

  /** The state of a step: its inputs, then its outputs; secret properties wrapped. */
  private state(kind: AnyStepKind, inputs: Props, outs: object, secretInputs: Set<string>): Props {
    const secrets = new Set([...secretInputs, ...secretKeys(kind)]);
    return wrap({ ...inputs, ...(outs as Props) }, secrets);
  }

  /**
   * Runs one call of a kind with its context: the configuration, an abort signal (Cancel or the
   * deadline) and the deadline itself — the request's timeout when the engine sends one (the
   * resource's customTimeouts), else the kind's own. The call fails as soon as the signal fires,
   * even if the kind is slow to notice.
   */
  private async run<T>(
    kind: AnyStepKind,
    op: Operation,
    urn: string,
    body: (ctx: StepContext) => Promise<T>,
  ): Promise<T> {
    const requested = callInfo().timeoutSeconds;
    const seconds = requested > 0 ? requested : kind.timeouts[op];
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`${kind.token} ${op} timed out after ${seconds} s`)),
      seconds * 1000,
    );
    timer.unref();
    this.inFlight.add(controller);
    const log = this.options.log;
    const ctx: StepContext = {
      config: this.config,
      signal: controller.signal,
      deadline: Date.now() + seconds * 1000,
      log: (message) => (log ? log(urn, message) : undefined),
    };
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    try {
      return await Promise.race([body(ctx), aborted]);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}
