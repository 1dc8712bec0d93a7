/**
 * The AWS rescue's files in its artifacts bucket: where they sit (`s3://bucket/prefix`, with
 * `collect/<name>` and `repaired/<name>` under it, src/collect/layout.ts), the presigned PUT URLs
 * the guest scripts upload them with (the helper runs no SDK: a plain PUT of the file to the URL,
 * collect.ps1 / repair.ps1 `-UploadKind S3`), and the reads of them by the steps — bounded by the
 * size the manifest gives, with an HTTP range. Presigned URLs are credentials for one object until
 * they expire: they are made when the command is sent, go only into its parameters, and are never
 * logged nor recorded in the step's state.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { shippedFileUrl, type ShippedStage } from "../../collect/layout";
import type { ShippedStore } from "../../repair/operations/afterRepair";
import type { AwsApi, OpsContext, PresignPut } from "./operations";

/** The longest a SigV4 presigned URL may be valid (7 days, as S3 documents). */
export const PRESIGN_MAX_SECONDS = 604_800;

/** Bucket and key of an `s3://bucket/key` location. */
export function s3Location(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/.exec(url);
  if (!m) throw new RangeError(`not an s3:// location: ${url}`);
  return { bucket: m[1], key: m[2] };
}

/**
 * A presigner with the stack's identity. The S3 client calculates request checksums only when an
 * operation requires one: by default it would sign an `x-amz-checksum-crc32` of an empty body into
 * the URL, and S3 would then refuse the PUT of any file with content.
 */
export function sdkPresigner(settings: { region?: string; credentials?: unknown }): PresignPut {
  const { S3Client, PutObjectCommand } =
    require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { getSignedUrl } =
    require("@aws-sdk/s3-request-presigner") as typeof import("@aws-sdk/s3-request-presigner");
  const client = new S3Client({
    ...(settings as object),
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  return (bucket, key, expiresIn) =>
    getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** What a command uploads: the files named `names` to `stage/` under `filesBase`. */
export interface UploadRequest {
  filesBase: string;
  stage: ShippedStage;
  names: readonly string[];
}

/**
 * The `-UploadUrls` JSON of a command: one presigned PUT URL per name, valid for the command's
 * timeout and an hour more (at most {@link PRESIGN_MAX_SECONDS}). A secret: only for SendCommand.
 */
export async function presignedUploadUrls(
  presign: PresignPut | undefined,
  u: UploadRequest,
  timeoutSeconds: number,
): Promise<string> {
  if (!presign) throw new Error("this AWS context cannot presign S3 uploads");
  const expires = Math.min(PRESIGN_MAX_SECONDS, Math.max(900, timeoutSeconds + 3600));
  const entries: [string, string][] = [];
  for (const name of u.names) {
    const { bucket, key } = s3Location(shippedFileUrl(u.filesBase, u.stage, name));
    entries.push([name, await presign(bucket, key, expires)]);
  }
  return JSON.stringify(Object.fromEntries(entries));
}

/** The `…/stdout` object SSM stored under `prefix` (its command output folder), or null when there is none. */
export async function readCommandStdout(
  ctx: Pick<OpsContext, "s3">,
  bucket: string,
  prefix: string,
): Promise<string | null> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const key = (listed?.Contents ?? [])
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the S3 listing as the SDK returns it
    .map((o: any) => o.Key as string)
    .find((k: string) => /\/stdout$/.test(k));
  if (!key) return null;
  const obj = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return obj?.Body?.transformToString ? await obj.Body.transformToString("utf-8") : null;
}

const notFound = (e: unknown) => {
  const code = (e as { name?: string; Code?: string }).name ?? (e as { Code?: string }).Code;
  return code === "NoSuchKey" || code === "NotFound";
};

/**
 * The bucket as the raw-evidence readers read it: an object's text, or its first `maxBytes` bytes
 * (one ranged GET; null when it does not exist). A location ending in `/` is an SSM command's
 * output folder: its text is the command's standard output.
 */
export function s3Store(s3: AwsApi): ShippedStore {
  return {
    async readBlob(url) {
      const { bucket, key } = s3Location(url);
      if (key.endsWith("/")) {
        const text = await readCommandStdout({ s3 }, bucket, key);
        if (text === null) throw new Error(`no command output under ${url}`);
        return text;
      }
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return String(await obj.Body.transformToString("utf-8"));
    },
    async readBlobBytes(url, maxBytes) {
      const { bucket, key } = s3Location(url);
      if (maxBytes <= 0) return new Uint8Array(0);
      try {
        const obj = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${maxBytes - 1}` }),
        );
        const bytes: Uint8Array = await obj.Body.transformToByteArray();
        return bytes.subarray(0, maxBytes);
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
  };
}
