/**
 * How the recovery scripts run on the AWS helper: an SSM command (the script as a Command document,
 * `src/guest/embed.ts`) sent once the helper is SSM-managed, waited for, its full output read from
 * the artifacts bucket. `SsmCommand` is that step as a resource; inPlace, the repair first waits for
 * the backup snapshot to be complete (no write before a complete backup).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { errorCode, OpsContext, RescueStepError, waitFor, ContextFactory } from "./operations";
import { snapshotState } from "./snapshots";
import { InputsOf, stepArgs, StepResource, StepInputs, stepProvider } from "./dynamic";

export interface SsmRunInput {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  timeoutSeconds: number;
}

export interface SsmRunResult {
  commandId: string;
  status: string;
  /** The full standard output (read from S3; SSM itself keeps only 24,000 characters). */
  stdout: string;
}

/** Waits for the helper to be SSM-managed, sends the command, waits for it and reads its output. */
export async function runSsmCommand(ctx: OpsContext, r: SsmRunInput): Promise<SsmRunResult> {
  await waitFor(
    ctx,
    r.timeoutSeconds,
    () =>
      new RescueStepError(
        "ssm-unreachable",
        `the helper ${r.instanceId} did not register with SSM within ${r.timeoutSeconds} s: its subnet needs VPC endpoints (ssm, ec2messages, ssmmessages, s3) or a NAT gateway, and its role AmazonSSMManagedInstanceCore`,
      ),
    async () => {
      const out = await ctx.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: [r.instanceId] }],
        }),
      );
      return out?.InstanceInformationList?.[0]?.PingStatus === "Online" ? true : undefined;
    },
  );
  const sent = await ctx.ssm.send(
    new SendCommandCommand({
      InstanceIds: [r.instanceId],
      DocumentName: r.documentName,
      Parameters: r.parameters,
      OutputS3BucketName: r.bucketName,
      OutputS3KeyPrefix: r.keyPrefix.replace(/\/$/, ""),
      TimeoutSeconds: Math.min(2592000, Math.max(30, r.timeoutSeconds)),
    }),
  );
  const commandId: string = sent.Command.CommandId;
  const final = await waitFor(
    ctx,
    r.timeoutSeconds,
    () =>
      new RescueStepError(
        "command-timeout",
        `SSM command ${commandId} (${r.documentName}) did not finish within ${r.timeoutSeconds} s`,
      ),
    async () => {
      try {
        const inv = await ctx.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: r.instanceId }),
        );
        return [
          "Success",
          "Failed",
          "Cancelled",
          "TimedOut",
          "Undeliverable",
          "Terminated",
        ].includes(inv.Status)
          ? inv
          : undefined;
      } catch (e) {
        if (errorCode(e) === "InvocationDoesNotExist") return undefined;
        throw e;
      }
    },
  );
  if (final.Status !== "Success") {
    throw new RescueStepError(
      "command-failed",
      `SSM command ${commandId} (${r.documentName}) ended ${final.Status} (exit ${final.ResponseCode}): ${String(final.StandardErrorContent ?? "").slice(0, 500)} — full output under s3://${r.bucketName}/${r.keyPrefix}${commandId}/`,
    );
  }
  const stdout =
    (await readCommandStdout(ctx, r.bucketName, `${r.keyPrefix}${commandId}/${r.instanceId}/`)) ??
    String(final.StandardOutputContent ?? "");
  return { commandId, status: final.Status, stdout };
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

export interface SsmCommandInputs extends StepInputs {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  /** When set, waits for this snapshot to be completed first (inPlace: no write before a complete backup). */
  waitForSnapshotId?: string;
}
export async function ssmCommandStep(ctx: OpsContext, i: SsmCommandInputs) {
  if (i.waitForSnapshotId)
    await snapshotState(ctx, i.waitForSnapshotId, ["completed"], i.timeoutSeconds);
  return runSsmCommand(ctx, i);
}

export const ssmCommandProvider = (f?: ContextFactory) =>
  stepProvider(ssmCommandStep, (_i, o) => o.commandId, f);

/** Runs a guest script on the helper through SSM (Azure: the Run Command resources). */
export class SsmCommand extends StepResource {
  declare readonly commandId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly stdout: pulumi.Output<string>;

  constructor(name: string, i: InputsOf<SsmCommandInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      ...stepArgs(
        "command",
        ssmCommandProvider(),
        name,
        i,
        ["commandId", "status", "stdout"],
        opts,
      ),
    );
  }
}
