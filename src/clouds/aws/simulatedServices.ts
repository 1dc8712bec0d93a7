/**
 * The SSM and S3 calls of the simulated cloud (`simulated.ts`): the helper's agent comes Online a
 * while after it runs, a command is InProgress until it ends, its full output lands in the
 * artifacts bucket under `<prefix>/<commandId>/<instanceId>/…/stdout` as SSM writes it, and
 * GetCommandInvocation right after SendCommand may not know the invocation yet. When a command
 * given `UploadUrls` succeeds, the guest PUTs the files it has ({@link Ec2State.guestFiles}) to
 * those presigned URLs ({@link putPresigned}). GetObject honours a `Range: bytes=a-b` as S3
 * documents it (the bytes up to the end of the object; a start past it is InvalidRange).
 */
import { createHash } from "node:crypto";
import { apiError, SIM_LATENCY_MS as L, type Ec2State } from "./simulatedState";

/** The signature the simulated S3 expects on a presigned URL of `bucket/key` made at `date`. */
function simSignature(bucket: string, key: string, date: number, expires: number): string {
  return createHash("sha256").update(`${bucket}/${key}@${date}+${expires}`).digest("hex");
}

/** A presigned PUT URL of the simulated S3 (virtual-hosted style, SigV4 query parameters). */
export function simulatedPresignedUrl(
  s: Ec2State,
  bucket: string,
  key: string,
  expires: number,
): string {
  const path = key.split("/").map(encodeURIComponent).join("/");
  const q = new URLSearchParams({
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Date": String(s.clock),
    "X-Amz-Expires": String(expires),
    "X-Amz-SignedHeaders": "host",
    "X-Amz-Signature": simSignature(bucket, key, s.clock, expires),
  });
  return `https://${bucket}.s3.${s.region}.amazonaws.com/${path}?${q}`;
}

/**
 * A plain PUT of `bytes` to a presigned URL, as S3 answers it: a bad signature is
 * SignatureDoesNotMatch, an expired URL AccessDenied, and a URL that signed a CRC32 checksum (the
 * presigner's default: the checksum of an empty body) BadDigest for any body it does not match.
 */
export function putPresigned(s: Ec2State, url: string, bytes: Buffer): void {
  const u = new URL(url);
  const m = /^([a-z0-9][a-z0-9.-]+)\.s3\.[a-z0-9-]+\.amazonaws\.com$/.exec(u.hostname);
  if (u.protocol !== "https:" || !m) throw apiError("InvalidRequest", `not an S3 URL: ${u.host}`);
  const bucket = m[1];
  const key = u.pathname.slice(1).split("/").map(decodeURIComponent).join("/");
  const q = u.searchParams;
  const date = Number(q.get("X-Amz-Date"));
  const expires = Number(q.get("X-Amz-Expires"));
  if (q.get("X-Amz-Signature") !== simSignature(bucket, key, date, expires))
    throw apiError("SignatureDoesNotMatch", "The request signature we calculated does not match.");
  if (s.clock > date + expires * 1000) throw apiError("AccessDenied", "Request has expired");
  const crc = q.get("x-amz-checksum-crc32");
  if (crc !== null && !(crc === "AAAAAA==" && bytes.length === 0))
    throw apiError("BadDigest", "The CRC32 you specified did not match the calculated checksum.");
  s.objectBytes = { ...s.objectBytes, [`${bucket}/${key}`]: bytes.toString("base64") };
}

/** The files the guest ships when `c` succeeds: each one it has, to the URL given for its name. */
function shipGuestFiles(s: Ec2State, c: Ec2State["commands"][string]): void {
  const urls = c.parameters.UploadUrls?.[0];
  const files = s.guestFiles?.[c.documentName];
  if (!urls || !files) return;
  const byName = JSON.parse(urls) as Record<string, string>;
  for (const [name, b64] of Object.entries(files))
    if (byName[name]) putPresigned(s, byName[name], Buffer.from(b64, "base64"));
}

/** An object's bytes as S3 returns them for an optional `bytes=a-b` range. */
function objectBody(s: Ec2State, bucket: string, key: string, range?: string): Buffer {
  const id = `${bucket}/${key}`;
  const b64 = s.objectBytes?.[id];
  const text = s.objects[id];
  if (b64 === undefined && text === undefined)
    throw apiError("NoSuchKey", "The specified key does not exist.");
  const all = b64 !== undefined ? Buffer.from(b64, "base64") : Buffer.from(text, "utf8");
  if (!range) return all;
  const r = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (!r) return all;
  const start = Number(r[1]);
  if (start >= all.length) throw apiError("InvalidRange", "The requested range is not satisfiable");
  const end = r[2] === "" ? all.length - 1 : Math.min(Number(r[2]), all.length - 1);
  return all.subarray(start, end + 1);
}

/** SSM keeps at most this many characters of standard output in the invocation itself. */
const SSM_OUTPUT_LIMIT = 24_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request as the SDK command carries it
type Req = any;
/** Calls that only read: not recorded (the file keeps the changes, not the polls). */
const READS = /^(Describe|Get|List)/;

function stdoutKey(c: { keyPrefix: string; instanceId: string }, id: string): string {
  return `${c.keyPrefix ? `${c.keyPrefix}/` : ""}${id}/${c.instanceId}/awsrunPowerShellScript/0.awsrunPowerShellScript/stdout`;
}

const ops: Record<string, (s: Ec2State, r: Req) => unknown> = {
  DescribeInstanceInformation(s, r) {
    const ids: string[] =
      r.Filters?.find((f: { Key: string }) => f.Key === "InstanceIds")?.Values ?? [];
    return {
      InstanceInformationList: ids.flatMap((id) => {
        const i = s.instances[id];
        if (!i?.ssmAgent) return [];
        const online = i.state === "running" && s.clock - (i.startedAt ?? 0) >= L.ssmReady;
        return [{ InstanceId: id, PingStatus: online ? "Online" : "ConnectionLost" }];
      }),
    };
  },
  SendCommand(s, r) {
    const instanceId = (r.InstanceIds as string[])[0];
    const i = s.instances[instanceId];
    if (!i?.ssmAgent || i.state !== "running")
      throw apiError(
        "InvalidInstanceId",
        `Instances [[${instanceId}]] not in a valid state for account`,
      );
    const id = `${(++s.seq).toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
    s.commands[id] = {
      instanceId,
      documentName: r.DocumentName,
      parameters: r.Parameters ?? {},
      status: "Pending",
      until: s.clock + L.command,
      bucket: r.OutputS3BucketName ?? "",
      keyPrefix: r.OutputS3KeyPrefix ?? "",
    };
    return { Command: { CommandId: id, DocumentName: r.DocumentName, Status: "Pending" } };
  },
  GetCommandInvocation(s, r) {
    const c = s.commands[r.CommandId];
    if (!c || c.instanceId !== r.InstanceId || c.status === "Pending") {
      if (c) c.status = "InProgress";
      throw apiError("InvocationDoesNotExist", "");
    }
    const out = s.commandOutput[c.documentName] ?? "{}";
    if (c.status === "InProgress" && c.until <= s.clock) {
      c.status = "Success";
      const helper = s.instances[c.instanceId];
      if ((s.repairs ?? []).includes(c.documentName) && helper)
        for (const [device, m] of Object.entries(helper.devices))
          if (device !== helper.rootDeviceName && s.volumes[m.volumeId])
            s.volumes[m.volumeId].broken = false;
      if (c.bucket) s.objects[`${c.bucket}/${stdoutKey(c, r.CommandId)}`] = out;
      shipGuestFiles(s, c);
    }
    return {
      CommandId: r.CommandId,
      InstanceId: r.InstanceId,
      DocumentName: c.documentName,
      Status: c.status,
      ResponseCode: c.status === "Success" ? 0 : -1,
      StandardOutputContent: c.status === "Success" ? out.slice(0, SSM_OUTPUT_LIMIT) : "",
      StandardErrorContent: "",
    };
  },
  // Parameter Store, as SSM documents it: a parameter that exists is not created again unless
  // Overwrite is true ("The parameter already exists. You can't create duplicate parameters.").
  PutParameter(s, r) {
    const had = s.parameters?.[r.Name];
    if (had && r.Overwrite !== true)
      throw apiError("ParameterAlreadyExists", "The parameter already exists.");
    const version = (had?.version ?? 0) + 1;
    s.parameters = { ...s.parameters, [r.Name]: { value: String(r.Value), version } };
    return { Version: version, Tier: "Standard" };
  },
  GetParameter(s, r) {
    const p = s.parameters?.[r.Name];
    if (!p) throw apiError("ParameterNotFound", "");
    return { Parameter: { Name: r.Name, Type: "String", Value: p.value, Version: p.version } };
  },
  DeleteParameter(s, r) {
    if (!s.parameters?.[r.Name]) throw apiError("ParameterNotFound", "");
    const { [r.Name]: _gone, ...rest } = s.parameters;
    s.parameters = rest;
    return {};
  },
  ListObjectsV2(s, r) {
    const start = `${r.Bucket}/`;
    return {
      Contents: [...Object.keys(s.objects), ...Object.keys(s.objectBytes ?? {})]
        .filter((k) => k.startsWith(start) && k.slice(start.length).startsWith(r.Prefix ?? ""))
        .map((k) => ({ Key: k.slice(start.length) })),
    };
  },
  GetObject(s, r) {
    const body = objectBody(s, r.Bucket, r.Key, r.Range);
    return {
      ContentLength: body.length,
      Body: {
        transformToString: async () => body.toString("utf8"),
        transformToByteArray: async () => new Uint8Array(body),
      },
    };
  },
};

/** The answer of an SSM or S3 call, applied to the state. */
export function serviceAnswer(s: Ec2State, op: string, input: Req): unknown {
  const f = ops[op];
  if (!f) throw new Error(`the simulated SSM/S3 does not answer ${op}`);
  const out = f(s, input);
  // Recorded once the call has changed the cloud: a refused one (ParameterAlreadyExists) has not.
  if (!READS.test(op))
    s.calls.push(
      `${op} ${input.CommandId ?? input.InstanceIds?.[0] ?? input.Key ?? input.Name ?? ""}`.trim(),
    );
  return out;
}
