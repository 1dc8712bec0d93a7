/**
 * The contract of an imperative rescue step: what the `vm-rescue` provider plugin serves for each
 * custom resource (OS-disk swap, boot verification, root-volume swap, SSM command, rollback…).
 *
 * One {@link StepKind} per resource type, one file per kind under the cloud that owns it
 * (`src/clouds/<cloud>/`). The plugin (`src/provider/`) turns the engine's gRPC calls into calls
 * of a kind; the offline simulation calls the same kinds under Pulumi's mocks. Nothing of a kind
 * goes into the state but its inputs and outputs: the state names the package and its version.
 *
 * The rules every kind keeps:
 * - `create` and `update` converge: they look at the cloud (tags, the VM's disks, its power state)
 *   and do only what is still missing. An action already done is never repeated on the live VM.
 * - Only the {@link StepKind.identityKeys} replace the resource; any other change is an update.
 * - `read` returns the live state (the VM's OS disk, the instance's root volume) or null when the
 *   thing the step acted on is gone; it never changes the cloud.
 * - `delete` never deletes or recreates a disk, a volume or a snapshot.
 * - Every call honours `ctx.signal` (aborted by the engine's Cancel or at the deadline).
 */

/**
 * How long before its deadline a `create` stops waiting when it must undo something if it fails (a
 * standby helper's claim): at the deadline the engine aborts every call, and the undoing with it.
 * A failed create leaves no resource, so no `delete` would undo it later.
 */
export const RELEASE_MARGIN_MS = 60_000;

/** A property of a step's inputs or outputs, as the schema declares it. */
export interface PropertySpec {
  type: "string" | "number" | "integer" | "boolean" | "object" | "array";
  description: string;
  /** The element type of an array, or the value type of a map object. */
  items?: PropertySpec;
  /** Inputs: may be left out. Outputs: may be missing. */
  optional?: boolean;
  /** Never kept in the state in plain text (serial-console text, script output, credentials). */
  secret?: boolean;
  /**
   * The shape of an object (`type: "object"`): the schema declares it once under `types` as
   * `vm-rescue:index:<name>` and the property refers to it. Without it an object is a map whose
   * values are `items` (strings when `items` is left out).
   */
  objectType?: ObjectTypeSpec;
}

/** A named object type: its properties, each with its own spec (optional ones may be missing). */
export interface ObjectTypeSpec {
  /** PascalCase; one shape per name across the package. */
  name: string;
  description: string;
  properties: { readonly [key: string]: PropertySpec };
}

/** Who the steps run as: the plugin's configuration (`vm-rescue:<key>` on the stack). */
export interface StepConfig {
  azure?: {
    subscriptionId?: string;
    tenantId?: string;
    clientId?: string;
    /** Secret. */
    clientSecret?: string;
    /** Use workload identity federation (OIDC) as the azure-native provider does. */
    useOidc?: boolean;
    /** Secret. */
    oidcToken?: string;
  };
  aws?: {
    region?: string;
    profile?: string;
    accessKey?: string;
    /** Secret. */
    secretKey?: string;
    /** Secret. */
    token?: string;
    assumeRoleArn?: string;
  };
  /**
   * A JSON file that holds a simulated cloud: every step runs against it instead of Azure/AWS (the
   * offline rescue and the plugin's own tests).
   */
  simulatedCloud?: string;
}

/** What every call of a step gets from the plugin. */
export interface StepContext {
  readonly config: StepConfig;
  /** Aborted when the engine cancels the update or the deadline passes. */
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch after which the call gives up with one clear line. */
  readonly deadline: number;
  /** A line for the engine's diagnostics (shown by `pulumi up`). */
  log(message: string): void;
}

/** Seconds each operation may take before it gives up (the resource's custom timeouts may raise them). */
export interface StepTimeouts {
  create: number;
  update: number;
  read: number;
  delete: number;
}

export interface StepKind<I extends object = Record<string, unknown>, O extends object = I> {
  /** `vm-rescue:<azure|aws>:<Kind>`. */
  readonly token: string;
  readonly description: string;
  readonly inputs: { readonly [K in keyof I & string]-?: PropertySpec };
  /** The outputs beyond the inputs (the state holds inputs and outputs). */
  readonly outputs: { readonly [K in Exclude<keyof O, keyof I> & string]-?: PropertySpec };
  /** A change of one of these replaces the resource; any other change is an update. */
  readonly identityKeys: readonly (keyof I & string)[];
  /** Replace by deleting the old resource first (two of it cannot exist at once). Default false. */
  readonly deleteBeforeReplace?: boolean;
  readonly timeouts: StepTimeouts;
  /** Problems with the inputs, one line each naming the property; empty when they are good. */
  check?(inputs: I): string[];
  create(ctx: StepContext, inputs: I): Promise<{ id: string; outs: O }>;
  read(ctx: StepContext, id: string, state: O): Promise<O | null>;
  update(ctx: StepContext, id: string, olds: O, news: I): Promise<O>;
  delete(ctx: StepContext, id: string, state: O): Promise<void>;
}

/** What a change of inputs does to a step's resource. */
export interface StepDiff {
  changes: boolean;
  /** Identity keys that changed: the resource is replaced. */
  replaces: string[];
  /** Other keys that changed: an update, which converges and repeats nothing done. */
  updates: string[];
}

/** JSON equality of two property values (missing and null are the same). */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The diff of a step's recorded inputs against new ones: replaces only on identity keys. */
export function diffStep(
  kind: Pick<StepKind, "inputs" | "identityKeys">,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): StepDiff {
  const changed = Object.keys(kind.inputs).filter((k) => !same(olds[k], news[k]));
  const identity = new Set<string>(kind.identityKeys);
  const replaces = changed.filter((k) => identity.has(k));
  return {
    changes: changed.length > 0,
    replaces,
    updates: changed.filter((k) => !identity.has(k)),
  };
}
