/**
 * Reading the collect output blob: as the deploying identity, retried while a fresh role assignment
 * has not reached the storage data plane yet.
 */
import type { TokenCredential } from "@azure/identity";
import type { Clock } from "./operations";

/** Reads a blob with `credential` (default: the environment's; needs Storage Blob Data Reader on the container). */
export async function readBlobWithAzureIdentity(
  url: string,
  credential?: TokenCredential,
): Promise<string> {
  // Required here: the SDK loads only when a real read is made.
  const { BlobClient } = require("@azure/storage-blob") as typeof import("@azure/storage-blob");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const client = new BlobClient(url, credential ?? new DefaultAzureCredential());
  return (await client.downloadToBuffer()).toString("utf8");
}

/** Role assignments take minutes to reach the data plane: a 403 is retried for this long. */
export const ROLE_PROPAGATION_MINUTES = 10;

/** Reads the blob, retrying while a fresh role assignment has not reached storage yet (HTTP 403). */
export async function readCollectOutput(
  url: string,
  read: (url: string) => Promise<string>,
  clock: Clock,
): Promise<string> {
  const deadline = clock.now() + ROLE_PROPAGATION_MINUTES * 60_000;
  for (;;) {
    try {
      return await read(url);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 403 && clock.now() < deadline) {
        await clock.sleep(15_000);
        continue;
      }
      throw new Error(
        `reading the collect output ${url} failed${status ? ` (HTTP ${status})` : ""}: ${(e as Error).message}`,
      );
    }
  }
}
