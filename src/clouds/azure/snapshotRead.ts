/**
 * The backup snapshot read directly, without a helper: read access is granted on the snapshot
 * (Snapshots – Grant Access with access "Read": a SAS URL of its bytes, served as a fixed VHD page
 * blob), the evidence files are read from it through HTTP range requests
 * (`src/evidence/fromDisk`), and the access is revoked (Snapshots – Revoke Access) whatever
 * happened. The SAS is a secret: it is never logged, returned or put in a message.
 */
import type { TokenCredential } from "@azure/identity";
import {
  httpRangeSource,
  openDiskImageSource,
  type ByteSource,
  type DiskImageFormat,
  type HttpRangeOptions,
} from "../../evidence/disk";
import {
  readEvidenceFromDisk,
  type DiskEvidence,
  type EvidenceCaps,
  type TransportCounters,
} from "../../evidence/fromDisk";

/** The two snapshot calls the direct read needs (`@azure/arm-compute`'s `snapshots`, or a fake). */
export interface SnapshotAccess {
  /** Grants read access for `seconds`; the SAS URL of the snapshot's bytes. */
  grantRead(snapshotId: string, seconds: number): Promise<string>;
  /** Ends the access granted (nothing happens when none is). */
  revoke(snapshotId: string): Promise<void>;
  /** The snapshot's `diskState` (e.g. `ActiveSAS` while an access is granted); optional in fakes. */
  diskState?(snapshotId: string): Promise<string | undefined>;
}

/** How long the SAS lives: long enough for a slow link, short enough not to outlive the rescue. */
export const SNAPSHOT_READ_SECONDS = 3600;

/** "/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Compute/snapshots/<name>" → its parts. */
export function snapshotRef(snapshotId: string): {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
} {
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/snapshots\/([^/]+)$/i.exec(
      snapshotId,
    );
  if (!m) throw new Error(`${JSON.stringify(snapshotId)} is not a snapshot resource id`);
  return { subscriptionId: m[1], resourceGroup: m[2], name: m[3] };
}

/** The real calls, as `credential` (default `DefaultAzureCredential`), bound to `signal`. */
export function armSnapshotAccess(
  subscriptionId: string,
  options: { credential?: TokenCredential; signal?: AbortSignal } = {},
): SnapshotAccess {
  // Required here, not imported at the top: the SDK loads only when a real call is made.
  const { ComputeManagementClient } =
    require("@azure/arm-compute") as typeof import("@azure/arm-compute");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const client = new ComputeManagementClient(
    options.credential ?? new DefaultAzureCredential(),
    subscriptionId,
  );
  const o = { abortSignal: options.signal };
  return {
    async grantRead(snapshotId, seconds) {
      const { resourceGroup, name } = snapshotRef(snapshotId);
      const uri = await client.snapshots.grantAccess(
        resourceGroup,
        name,
        { access: "Read", durationInSeconds: seconds },
        o,
      );
      if (!uri.accessSAS) throw new Error(`granting read access to ${name} returned no SAS`);
      return uri.accessSAS;
    },
    async revoke(snapshotId) {
      const { resourceGroup, name } = snapshotRef(snapshotId);
      await client.snapshots.revokeAccess(resourceGroup, name, o);
    },
    async diskState(snapshotId) {
      const { resourceGroup, name } = snapshotRef(snapshotId);
      return (await client.snapshots.get(resourceGroup, name, o)).diskState;
    },
  };
}

/** A SAS URL opened as the snapshot's bytes, with what its transport fetched. */
export interface OpenedSas {
  source: ByteSource;
  transport(): TransportCounters;
  close(): Promise<void> | void;
}

export type SasOpener = (url: string) => Promise<OpenedSas>;

/** The HTTP range source over the SAS (retries, backoff, budgets; the query string never shown). */
export function httpSasOpener(options: HttpRangeOptions = {}): SasOpener {
  return async (url) => {
    const remote = await httpRangeSource(url, options);
    return {
      source: remote,
      transport: () => ({ requests: remote.stats.requests, bytes: remote.stats.bytes }),
      close: () => remote.close(),
    };
  };
}

export interface SnapshotEvidence {
  evidence: DiskEvidence;
  /** The container the SAS served and the virtual disk's size; `label` has no query string. */
  image: { format: DiskImageFormat; size: number; label: string };
  /** The access could not be revoked: one line naming the command that ends it (the read is good). */
  warning?: string;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

/** Ends the read access (idempotent); a failure is one line naming the command that ends it by hand. */
export async function revokeSnapshotRead(
  access: SnapshotAccess,
  snapshotId: string,
): Promise<string | undefined> {
  try {
    await access.revoke(snapshotId);
    return undefined;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined; // no snapshot, no access
    return (
      `revoking read access to ${snapshotRef(snapshotId).name} failed: ${firstLine(e)} ` +
      `(end it with az snapshot revoke-access --ids ${snapshotId})`
    );
  }
}

/**
 * Grants read access to the snapshot, reads its evidence through `open` and revokes the access
 * whatever happened — also after a grant that failed or was cut off (Azure may have granted it).
 * A revoke that fails leaves a good read good: it is the result's `warning`, naming the command
 * that ends the access by hand; after a failed read it is appended to the error.
 */
export async function readSnapshotEvidence(
  access: SnapshotAccess,
  snapshotId: string,
  open: SasOpener,
  options: { caps?: Partial<EvidenceCaps>; seconds?: number } = {},
): Promise<SnapshotEvidence> {
  // A revoke ends every SAS of the snapshot: one already granted (someone's export) is left alone.
  if ((await access.diskState?.(snapshotId)) === "ActiveSAS") {
    throw new Error(
      `${snapshotRef(snapshotId).name} already has read access granted (diskState ActiveSAS): ` +
        "reading it would end that access when revoking; run again when it has ended",
    );
  }
  let result: SnapshotEvidence | undefined;
  let failure: unknown;
  try {
    const url = await access.grantRead(snapshotId, options.seconds ?? SNAPSHOT_READ_SECONDS);
    const opened = await open(url);
    try {
      const image = await openDiskImageSource(opened.source);
      const evidence = await readEvidenceFromDisk(image.source, {
        route: "azure-snapshot",
        caps: options.caps,
        transport: opened.transport,
      });
      result = {
        evidence,
        image: { format: image.format, size: image.source.size, label: opened.source.label },
      };
    } finally {
      await opened.close();
    }
  } catch (e) {
    failure = e;
  }
  const warning = await revokeSnapshotRead(access, snapshotId);
  if (!result) {
    if (warning && failure instanceof Error) failure.message = `${firstLine(failure)}; ${warning}`;
    throw failure;
  }
  return warning ? { ...result, warning } : result;
}
