/**
 * What an Azure step runs against, from the step's configuration: the simulated cloud file when
 * `simulatedCloud` is set, else Azure itself as the identity the stack's provider settings name
 * (client secret, OIDC, or the environment's). Every call is bound to the step's abort signal and
 * gives up at its deadline with one line.
 */
import type { TokenCredential } from "@azure/identity";
import type { StepConfig, StepContext } from "../../steps/contract";
import {
  armComputeOps,
  COMPUTE_METHODS,
  realClock,
  type AzureComputeOps,
  type Clock,
} from "./operations";
import { fileClock, fileComputeOps, readFileBlob, readFileBlobBytes } from "./simulatedFile";

/** The cloud of one step call. */
export interface AzureRuntime {
  ops: AzureComputeOps;
  clock: Clock;
  /** The text of a blob, read as the step's identity. */
  readBlob(url: string): Promise<string>;
  /** A blob's bytes, at most `maxBytes` (a shipped file's size in its manifest); null when absent. */
  readBlobBytes(url: string, maxBytes: number): Promise<Uint8Array | null>;
}

/** Builds the runtime of a call; tests replace it. */
export type RuntimeFor = (ctx: StepContext, subscriptionId: string) => AzureRuntime;

const env = (k: string): string | undefined => process.env[k] || undefined;

/** The Azure settings a step authenticates with, each from the first source that has it. */
export interface AzureAuthSettings {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  useOidc: boolean;
  oidcToken?: string;
  oidcTokenFilePath?: string;
  oidcRequestUrl?: string;
  oidcRequestToken?: string;
}

/**
 * The settings as the azure-native provider resolves them (its installation & configuration page:
 * every `azure-native:<key>` stack setting falls back to its `ARM_*` environment variable), one key
 * at a time:
 *
 * 1. the `vm-rescue` provider configuration (the program fills it from the stack's own
 *    `azure-native:*` settings, with `vm-rescue:azure` on top);
 * 2. the variables azure-native reads: `ARM_TENANT_ID`, `ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`,
 *    `ARM_USE_OIDC`, `ARM_OIDC_TOKEN`, `ARM_OIDC_TOKEN_FILE_PATH`, `ARM_OIDC_REQUEST_URL` /
 *    `ARM_OIDC_REQUEST_TOKEN` (or the GitHub Actions `ACTIONS_ID_TOKEN_REQUEST_*` pair);
 * 3. for the tenant and client ids only, the Azure SDK's own `AZURE_TENANT_ID` / `AZURE_CLIENT_ID`.
 *
 * With no client secret and no OIDC from 1 or 2, {@link azureCredential} uses the Azure SDK's
 * `DefaultAzureCredential` (its `AZURE_*` environment, workload identity, managed identity,
 * `az login`).
 */
export function azureAuthSettings(azure: StepConfig["azure"] = {}): AzureAuthSettings {
  const armOidc = env("ARM_USE_OIDC");
  return {
    tenantId: azure.tenantId ?? env("ARM_TENANT_ID") ?? env("AZURE_TENANT_ID"),
    clientId: azure.clientId ?? env("ARM_CLIENT_ID") ?? env("AZURE_CLIENT_ID"),
    clientSecret: azure.clientSecret ?? env("ARM_CLIENT_SECRET"),
    useOidc: azure.useOidc ?? (armOidc !== undefined && armOidc.toLowerCase() === "true"),
    oidcToken: azure.oidcToken ?? env("ARM_OIDC_TOKEN"),
    oidcTokenFilePath: env("ARM_OIDC_TOKEN_FILE_PATH"),
    oidcRequestUrl: env("ARM_OIDC_REQUEST_URL") ?? env("ACTIONS_ID_TOKEN_REQUEST_URL"),
    oidcRequestToken: env("ARM_OIDC_REQUEST_TOKEN") ?? env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
  };
}

/**
 * The credential of {@link azureAuthSettings}: a client secret; else OIDC (workload identity
 * federation: the given token, the token file, or the CI's token endpoint, else the federated token
 * file of `AZURE_FEDERATED_TOKEN_FILE`); else `DefaultAzureCredential`. Configuration beats the
 * environment key by key, so a stack that names a client secret never runs as the CI's OIDC identity.
 */
export function azureCredential(azure: StepConfig["azure"] = {}): TokenCredential {
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  const s = azureAuthSettings(azure);
  const need = (what: string) => {
    if (!s.tenantId || !s.clientId)
      throw new Error(
        `${what} needs vm-rescue:azure tenantId and clientId (or ARM_TENANT_ID and ARM_CLIENT_ID)`,
      );
    return { tenantId: s.tenantId, clientId: s.clientId };
  };
  if (s.clientSecret) {
    const ids = need("the client-secret credential");
    return new identity.ClientSecretCredential(ids.tenantId, ids.clientId, s.clientSecret);
  }
  if (s.useOidc || azure.oidcToken) {
    const ids = need("the OIDC credential");
    const { oidcToken: given, oidcTokenFilePath: file } = s;
    const { oidcRequestUrl: url, oidcRequestToken: bearer } = s;
    if (given || file || (url && bearer))
      return new identity.ClientAssertionCredential(ids.tenantId, ids.clientId, async () => {
        if (given) return given;
        if (file) return require("fs").readFileSync(file, "utf8").trim() as string;
        const res = await fetch(`${url}&audience=api://AzureADTokenExchange`, {
          headers: { Authorization: `Bearer ${bearer}` },
        });
        if (!res.ok) throw new Error(`the OIDC token request failed (HTTP ${res.status})`);
        return ((await res.json()) as { value: string }).value;
      });
    return new identity.WorkloadIdentityCredential(ids);
  }
  return new identity.DefaultAzureCredential();
}

/** The runtime the configuration names (see the file's comment). */
export const azureRuntime: RuntimeFor = (ctx, subscriptionId) => {
  const file = ctx.config.simulatedCloud;
  if (file)
    return {
      ops: fileComputeOps(file, ctx.signal),
      clock: fileClock(file),
      readBlob: (url) => readFileBlob(file, url),
      readBlobBytes: async (url, maxBytes) => readFileBlobBytes(file, url, maxBytes),
    };
  const credential = azureCredential(ctx.config.azure);
  return {
    ops: armComputeOps(subscriptionId, { credential, signal: ctx.signal }),
    clock: realClock,
    async readBlob(url) {
      const { BlobClient } = require("@azure/storage-blob") as typeof import("@azure/storage-blob");
      const buffer = await new BlobClient(url, credential).downloadToBuffer(0, undefined, {
        abortSignal: ctx.signal,
      });
      return buffer.toString("utf8");
    },
    async readBlobBytes(url, maxBytes) {
      const { BlobClient } = require("@azure/storage-blob") as typeof import("@azure/storage-blob");
      const blob = new BlobClient(url, credential);
      try {
        // The size first: never more than the manifest's size is downloaded (a count of 0 means "all").
        const size = (await blob.getProperties({ abortSignal: ctx.signal })).contentLength ?? 0;
        const n = Math.min(size, maxBytes);
        if (n === 0) return new Uint8Array(0);
        return await blob.downloadToBuffer(0, n, { abortSignal: ctx.signal });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return null;
        throw e;
      }
    },
  };
};

/** The one line a step gives when it is cancelled or its deadline passed. */
export function stoppedLine(ctx: StepContext, what: string): string {
  return Date.now() >= ctx.deadline
    ? `${what}: gave up at the step's deadline (${new Date(ctx.deadline).toISOString()}); run the update again to resume`
    : `${what}: cancelled; run the update again to resume`;
}

/** Runs `work`, rejecting with {@link stoppedLine} as soon as the signal aborts or the deadline passes. */
export async function bounded<T>(
  ctx: StepContext,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const stopped = () => new Error(stoppedLine(ctx, what));
  if (ctx.signal.aborted || Date.now() >= ctx.deadline) throw stopped();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    onAbort = () => reject(stopped());
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    timer = setTimeout(onAbort, Math.max(0, ctx.deadline - Date.now()));
  });
  stop.catch(() => undefined);
  try {
    return await Promise.race([work(), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** The operations and clock of `rt`, each call bounded by the step's signal and deadline. */
export function boundRuntime(rt: AzureRuntime, ctx: StepContext, what: string): AzureRuntime {
  const ops = Object.fromEntries(
    // an optional operation the cloud does not have stays absent
    COMPUTE_METHODS.filter((k) => typeof rt.ops[k] === "function").map((k) => [
      k,
      (...args: unknown[]) =>
        bounded(ctx, what, () =>
          (rt.ops[k] as (...a: unknown[]) => Promise<unknown>).apply(rt.ops, args),
        ),
    ]),
  ) as unknown as AzureComputeOps;
  return {
    ops,
    clock: {
      now: () => rt.clock.now(),
      sleep: (ms, signal) => bounded(ctx, what, () => rt.clock.sleep(ms, signal ?? ctx.signal)),
    },
    readBlob: (url) => bounded(ctx, what, () => rt.readBlob(url)),
    readBlobBytes: (url, max) => bounded(ctx, what, () => rt.readBlobBytes(url, max)),
  };
}
