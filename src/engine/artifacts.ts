/**
 * The {@link ArtifactReader}s: an Azure blob URL read with `DefaultAzureCredential` (the deploying
 * identity has Storage Blob Data Reader on the container until `destroy`), an S3 object or SSM
 * output folder read with the default AWS credential chain, and an in-memory one for simulations
 * and tests. The SDKs are loaded on first use.
 */
import { readBlobWithAzureIdentity } from "../clouds/azure/decision";
import { readCommandStdout } from "../clouds/aws/scripts";
import type { ArtifactReader } from "../report/evidence";
import type { RescueCloud } from "../report/types";

/** Reads Azure blob URLs (`https://<account>.blob.core.windows.net/<container>/<blob>`). */
export function azureBlobReader(): ArtifactReader {
  return { read: (url) => readBlobWithAzureIdentity(url) };
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
        const text = await readCommandStdout({ s3: client() }, bucket, key);
        if (text === null) throw new Error(`no stdout object under s3://${bucket}/${key}`);
        return text;
      }

      const { GetObjectCommand } =
        require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
      const obj = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return obj.Body.transformToString("utf-8");
    },
  };
}

/** The real reader of a cloud. */
export function artifactReaderFor(cloud: RescueCloud, region?: string): ArtifactReader {
  return cloud === "azure" ? azureBlobReader() : s3Reader(region);
}

/** Serves fixed documents by URL (the simulated cloud's artifacts; tests). */
export function memoryReader(documents: Record<string, string>): ArtifactReader {
  return {
    async read(url) {
      if (!(url in documents))
        throw Object.assign(new Error(`no such artifact: ${url}`), { statusCode: 404 });
      return documents[url];
    },
  };
}
