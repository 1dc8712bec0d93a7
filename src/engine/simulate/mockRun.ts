/**
 * Runs the real Pulumi program (or any function that creates resources) in-process under
 * `pulumi.runtime.setMocks`, with a simulated cloud answering invokes and resource registrations,
 * and records every registration *with its options*.
 *
 * Pulumi's mocks hide resource options (`dependsOn`, parent, `retainOnDelete`, ...; pulumi/pulumi
 * #14421). They are on the gRPC request the SDK sends to the mock monitor, so the recorder wraps
 * `MockMonitor.prototype.registerResource` and reads them from the request before the mock answers.
 * That seam is internal to the SDK (pinned at 3.248.x): `tests/mockRun.test.ts` fails loudly if an
 * upgrade moves it.
 */
import * as pulumi from "@pulumi/pulumi";
import { planErrorQuotedBy, reportedRefusals, PlanError } from "../../vocabulary/errors";

/** The text Pulumi puts before an error thrown while it serializes or registers a resource. */
const PULUMI_WRAPPING =
  /^(?:error serializing property "[^"]*": |failed to register new resource \S+ \[[^\]]*\]: )+/;

/** One resource the program registered, as `pulumi up` would be asked to create it. */
export interface RecordedResource {
  type: string;
  /** Logical (Pulumi) name. */
  name: string;
  urn: string;
  /** URN of the parent (the component), or null for a top-level resource. */
  parent: string | null;
  /** False for ComponentResources. */
  custom: boolean;
  inputs: Record<string, unknown>;
  /** URNs of every resource it waits for: explicit `dependsOn` and dependencies through its inputs. */
  dependencies: string[];
  retainOnDelete: boolean;
  protect: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
}

/** The simulated cloud: the same interface as Pulumi's mocks. */
export type SimulatedCloud = pulumi.runtime.Mocks;

export interface MockRunOptions {
  project: string;
  stack: string;
  /** Stack config, keys with their namespace (`vm-rescue:vmName`). */
  config: Record<string, string>;
  cloud: SimulatedCloud;
  /** Run as a preview (outputs of the simulated cloud may be unknown). Default false. */
  preview?: boolean;
  /** How long to wait for the program to settle. Default 120 s: a loaded machine is slow, a program that never settles is still caught. */
  timeoutMs?: number;
}

export interface MockRunResult {
  resources: RecordedResource[];
  /** The program's stack outputs, resolved (secrets shown as "[secret]"). */
  outputs: Record<string, unknown>;
}

let recorder: RecordedResource[] | null = null;
let patched = false;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getRetainondelete?(): boolean;
  getProtect?(): boolean;
  getDeletebeforereplace?(): boolean;
  getIgnorechangesList?(): string[];
}

function patchMonitor(): void {
  if (patched) return;

  const mocks = require("@pulumi/pulumi/runtime/mocks");

  const rpc = require("@pulumi/pulumi/runtime/rpc");
  const proto = mocks.MockMonitor?.prototype;
  if (
    !proto ||
    typeof proto.registerResource !== "function" ||
    typeof proto.newUrn !== "function"
  ) {
    throw new Error(
      "this @pulumi/pulumi version has no MockMonitor.registerResource/newUrn: the option recorder needs updating",
    );
  }
  const original = proto.registerResource;
  proto.registerResource = async function (
    this: { newUrn(p: string, t: string, n: string): string },
    req: RegisterRequest,
    callback: unknown,
  ) {
    if (recorder) {
      recorder.push({
        type: req.getType(),
        name: req.getName(),
        urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
        parent: req.getParent() || null,
        custom: req.getCustom(),
        inputs: scrub(rpc.deserializeProperties(req.getObject())) as Record<string, unknown>,
        dependencies: [...req.getDependenciesList()],
        retainOnDelete: req.getRetainondelete?.() ?? false,
        protect: req.getProtect?.() ?? false,
        deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
      });
    }
    return original.call(this, req, callback);
  };
  patched = true;
}

/** How the SDK marks a secret in serialized properties (rpc.specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secrets by "[secret]" and drops serialized dynamic-provider code. */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return "[secret]";
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === "__provider") continue;
      out[k] = scrub(v);
    }
    return out;
  }
  return value;
}
async function settle<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the program did not settle within ${timeoutMs} ms (${what})`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Resolves an object of Outputs (or plain values) into plain values. */
async function resolveOutputs(outputs: unknown): Promise<Record<string, unknown>> {
  const value = await outputs;
  if (!value || typeof value !== "object") return {};
  const entries = await Promise.all(
    Object.entries(value as Record<string, unknown>).map(async ([k, v]) => {
      if (pulumi.Output.isInstance(v)) {
        const secret = await pulumi.isSecret(v as pulumi.Output<unknown>);
        const plain = await new Promise<unknown>((resolve) =>
          (v as pulumi.Output<unknown>).apply((x) => resolve(x)),
        );
        return [k, secret ? "[secret]" : plain] as const;
      }
      return [k, v] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Runs `program` under mocks and returns what it registered. One run at a time per process
 * (Pulumi's runtime state is global).
 */
export async function runUnderMocks(
  program: () => unknown,
  options: MockRunOptions,
): Promise<MockRunResult> {
  patchMonitor();
  const timeoutMs = options.timeoutMs ?? 120_000;
  // A refused plan (an invariant, a precondition) thrown inside a resource's mock or while Pulumi
  // serializes an input reaches the program wrapped in Pulumi's text: it is rethrown as itself.
  await pulumi.runtime.setMocks(
    options.cloud,
    options.project,
    options.stack,
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(options.config);
  const recorded: RecordedResource[] = [];
  recorder = recorded;
  try {
    const outputs = await settle(resolveOutputs(program()), timeoutMs, "stack outputs");

    const settings = require("@pulumi/pulumi/runtime/settings");
    await settle(settings.waitForRPCs() as Promise<void>, timeoutMs, "pending registrations");
    return { resources: recorded, outputs };
  } catch (e) {
    const found = planErrorQuotedBy(e);
    if (found === null) throw e;
    // Pulumi's wrapping ("error serializing property …: failed to register new resource …: ")
    // is the engine's path to the refusal, not part of it.
    const bare = found.message.replace(PULUMI_WRAPPING, "");
    const plan = bare === found.message ? found : new PlanError(found.code, bare);
    reportedRefusals.add(plan.message);
    throw plan;
  } finally {
    recorder = null;
  }
}
