/**
 * The SSM and S3 calls of the simulated cloud (`simulated.ts`): the helper's agent comes Online a
 * while after it runs, a command is InProgress until it ends, its full output lands in the
 * artifacts bucket under `<prefix>/<commandId>/<instanceId>/…/stdout` as SSM writes it, and
 * GetCommandInvocation right after SendCommand may not know the invocation yet.
 */
import { apiError, SIM_LATENCY_MS as L, type Ec2State } from "./simulatedState";

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
  ListObjectsV2(s, r) {
    const start = `${r.Bucket}/`;
    return {
      Contents: Object.keys(s.objects)
        .filter((k) => k.startsWith(start) && k.slice(start.length).startsWith(r.Prefix ?? ""))
        .map((k) => ({ Key: k.slice(start.length) })),
    };
  },
  GetObject(s, r) {
    const text = s.objects[`${r.Bucket}/${r.Key}`];
    if (text === undefined) throw apiError("NoSuchKey", "The specified key does not exist.");
    return { Body: { transformToString: async () => text } };
  },
};

/** The answer of an SSM or S3 call, applied to the state. */
export function serviceAnswer(s: Ec2State, op: string, input: Req): unknown {
  const f = ops[op];
  if (!f) throw new Error(`the simulated SSM/S3 does not answer ${op}`);
  if (!READS.test(op))
    s.calls.push(`${op} ${input.CommandId ?? input.InstanceIds?.[0] ?? input.Key ?? ""}`.trim());
  return f(s, input);
}
