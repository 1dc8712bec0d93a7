/**
 * The {@link ArtifactReader}s: an Azure blob URL read with `DefaultAzureCredential` (the deploying
 * identity has Storage Blob Data Reader on the container until `destroy`), an S3 object or SSM
 * output folder read with the default AWS credential chain, and an in-memory one for simulations
 * and tests. The SDKs are loaded on first use.
 */
import { readBlobWithAzureIdentity } from "../clouds/azure/decision";
import type { ArtifactReader } from "../report/evidence";
import type { RescueCloud } from "../report/types";

/** HTTP 404 / NoSuchKey / BlobNotFound: the object is not there. */
function notFound(e: unknown): boolean {
  const x = e as { statusCode?: number; name?: string; $metadata?: { httpStatusCode?: number } };
  return x.statusCode === 404 || x.$metadata?.httpStatusCode === 404 || x.name === "NoSuchKey";
}

/** Reads Azure blob URLs (`https://<account>.blob.core.windows.net/<container>/<blob>`). */
export function azureBlobReader(): ArtifactReader {
  return {
    read: (url) => readBlobWithAzureIdentity(url),
    async readBytes(url, maxBytes) {
      const { BlobClient } = require("@azure/storage-blob") as typeof import("@azure/storage-blob");
      const { DefaultAzureCredential } =
        require("@azure/identity") as typeof import("@azure/identity");
      const blob = new BlobClient(url, new DefaultAzureCredential());
      try {
        const size = (await blob.getProperties()).contentLength ?? 0;
        const n = Math.min(size, maxBytes);
        return n === 0 ? new Uint8Array(0) : await blob.downloadToBuffer(0, n);
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
  };
}

/** `s3://bucket/key` → bucket and key; throws for anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m || m[2] === "") throw new Error(`not an s3://bucket/key URL: ${url}`);
  return { bucket: m[1], key: m[2] };
}

/**
 * Reads `s3://bucket/key`; a URL ending in `/` is an SSM command output folder
 * (`<prefix><commandId>/<instanceId>/`) and reads the `…/stdout` object under it.
 */
export function s3Reader(region?: string): ArtifactReader {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the S3 client is loaded lazily; its answers are read field by field
  let s3: { send(command: unknown): Promise<any> } | undefined;
  const client = () => {
    const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    return (s3 ??= new S3Client(region ? { region } : {}) as unknown as {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the S3 client is loaded lazily; its answers are read field by field
      send(command: unknown): Promise<any>;
    });
  };
  return {
    async read(url) {
      const { bucket, key } = parseS3Url(url);
      if (key.endsWith("/")) {
        const { readCommandStdout } =
          require("../clouds/aws/s3Files") as typeof import("../clouds/aws/s3Files");
        const text = await readCommandStdout({ s3: client() }, bucket, key);
        if (text === null) throw new Error(`no stdout object under s3://${bucket}/${key}`);
        return text;
      }

      const { GetObjectCommand } =
        require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
      const obj = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return obj.Body.transformToString("utf-8");
    },
    async readBytes(url, maxBytes) {
      const { bucket, key } = parseS3Url(url);
      const { GetObjectCommand } =
        require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
      try {
        const obj = await client().send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            Range: `bytes=0-${Math.max(maxBytes - 1, 0)}`,
          }),
        );
        return maxBytes === 0 ? new Uint8Array(0) : await obj.Body.transformToByteArray();
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
  };
}

/** The real reader of a cloud. */
export function artifactReaderFor(cloud: RescueCloud, region?: string): ArtifactReader {
  return cloud === "azure" ? azureBlobReader() : s3Reader(region);
}

/** Serves fixed documents (text or bytes) by URL (the simulated cloud's artifacts; tests). */
export function memoryReader(documents: Record<string, string | Uint8Array>): ArtifactReader {
  return {
    async read(url) {
      if (!(url in documents))
        throw Object.assign(new Error(`no such artifact: ${url}`), { statusCode: 404 });
      const d = documents[url];
      return typeof d === "string" ? d : Buffer.from(d).toString("utf8");
    },
    async readBytes(url, maxBytes) {
      if (!(url in documents)) return null;
      const d = documents[url];
      return (typeof d === "string" ? Buffer.from(d, "utf8") : d).subarray(0, maxBytes);
    },
  };
}
