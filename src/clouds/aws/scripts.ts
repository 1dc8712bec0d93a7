/**
 * How the recovery scripts run on the AWS helper: an SSM command (the script as a Command document,
 * `src/guest/embed.ts`) sent once the helper is SSM-managed, waited for, its full output read from
 * the artifacts bucket. `SsmCommand` is that step as a resource; inPlace, the repair first checks
 * that the backup snapshot exists (pending or completed: it is point in time from its start).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { errorCode, OpsContext, RescueStepError, waitFor } from "./operations";
import { snapshotState } from "./snapshots";
import { presignedUploadUrls, readCommandStdout, s3Store, type UploadRequest } from "./s3Files";
import { compiledRepairParameters, evidenceFromCollect } from "./decision";
import type { ShippedStage } from "../../collect/layout";
import type { RepairPlan } from "../../collect/contract";
import { objectOf, REPAIR_PLAN } from "../../steps/objectTypes";

import { modeled, opsOf, STEP_INPUT_SPECS, stepTimeouts, type StepInputs } from "./stepKit";

export interface SsmRunInput {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  timeoutSeconds: number;
  /** Files the script uploads: presigned PUT URLs are added as `-UploadUrls` (`-UploadKind S3`) when sent. */
  upload?: UploadRequest;
}

export interface SsmRunResult {
  commandId: string;
  status: string;
  /** The full standard output (read from S3; SSM itself keeps only 24,000 characters). */
  stdout: string;
  /** The standard error SSM kept. */
  stderr: string;
}

/** Waits until the instance's SSM agent is Online (the helper is SSM-managed). */
export async function waitSsmOnline(
  ctx: OpsContext,
  instanceId: string,
  timeoutSeconds: number,
): Promise<void> {
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "ssm-unreachable",
        `the helper ${instanceId} did not register with SSM within ${timeoutSeconds} s: its subnet needs VPC endpoints (ssm, ec2messages, ssmmessages, s3) or a NAT gateway, and its role AmazonSSMManagedInstanceCore`,
      ),
    async () => {
      const out = await ctx.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: [instanceId] }],
        }),
      );
      return out?.InstanceInformationList?.[0]?.PingStatus === "Online" ? true : undefined;
    },
  );
}

/** Waits for the helper to be SSM-managed, sends the command, waits for it and reads its output. */
export async function runSsmCommand(ctx: OpsContext, r: SsmRunInput): Promise<SsmRunResult> {
  await waitSsmOnline(ctx, r.instanceId, r.timeoutSeconds);
  // The upload URLs are made now, when the command is sent: they live as long as it may run and
  // go nowhere else (not in the step's state, never in a log or error).
  const parameters = r.upload
    ? {
        ...r.parameters,
        UploadUrls: [await presignedUploadUrls(ctx.presignPut, r.upload, r.timeoutSeconds)],
        UploadKind: ["S3"],
      }
    : r.parameters;
  const sent = await ctx.ssm.send(
    new SendCommandCommand({
      InstanceIds: [r.instanceId],
      DocumentName: r.documentName,
      Parameters: parameters,
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
  return {
    commandId,
    status: final.Status,
    stdout,
    stderr: String(final.StandardErrorContent ?? ""),
  };
}

export interface SsmCommandInputs extends StepInputs {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  /** When set, the snapshot must exist (pending or completed, not failed) first (inPlace: no write without a backup). */
  waitForSnapshotId?: string;
  /** The rescue's files location (`s3://bucket/prefix`): with `uploadStage`, the script ships files under it. */
  filesBase?: string;
  /** `collect` (the raw evidence) or `repaired` (the hives the repair changed). */
  uploadStage?: ShippedStage;
  /** The names the script may upload (one presigned URL each). */
  uploadNames?: string[];
  /** The repair: the plan compiled when sent, against the files collect shipped under `filesBase`. */
  repairPlan?: RepairPlan;
  /** The repair: the collect's output (its manifest names the shipped files the plan compiles against). */
  collectOutput?: string;
}
export type SsmCommandOutputs = SsmCommandInputs &
  SsmRunResult & {
    /** A collect manifest's files as the TypeScript readers found them, JSON ({@link CollectEvidence}; "" for a 1.x document or no collect). */
    evidence: string;
  };

const uploadOf = (i: SsmCommandInputs): UploadRequest | undefined =>
  i.filesBase && i.uploadStage && i.uploadNames?.length
    ? { filesBase: i.filesBase, stage: i.uploadStage, names: i.uploadNames }
    : undefined;

export async function ssmCommandStep(
  ctx: OpsContext,
  i: SsmCommandInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
): Promise<SsmRunResult> {
  // The backup is point in time from its start: the volume may be written while it is pending
  // (Amazon EBS User Guide, "Create Amazon EBS snapshots"); a failed snapshot refuses the write.
  if (i.waitForSnapshotId)
    await snapshotState(ctx, i.waitForSnapshotId, ["pending", "completed"], timeoutSeconds);
  // The repair's operations are compiled now, from the hives collect shipped (the program only
  // has their facts): what is sent is what the check after the repair compares.
  const parameters =
    i.repairPlan && i.collectOutput && i.filesBase
      ? await compiledRepairParameters(
          i.parameters,
          i.repairPlan,
          i.collectOutput,
          s3Store(ctx.s3),
          i.filesBase,
        )
      : i.parameters;
  return runSsmCommand(ctx, { ...i, parameters, timeoutSeconds, upload: uploadOf(i) });
}

export { repairCommandParameters } from "./decision";

/** Every script the helper may run, one after another: the longest a command may take. */
const SCRIPT_OPS = [
  "scripts.collect",
  "scripts.repair.driver",
  "scripts.repair.safeMode",
  "scripts.repair.cleanBoot",
  "scripts.repair.sfc",
  "scripts.repair.dism",
  "scripts.repair.chkdsk",
];

export const ssmCommandKind: StepKind<SsmCommandInputs, SsmCommandOutputs> = {
  token: STEP_TYPES.aws.command,
  description:
    "Runs a guest script on the helper as an SSM command and reads its full output; an update never runs it again.",
  inputs: {
    ...STEP_INPUT_SPECS,
    instanceId: { type: "string", description: "The helper (a new helper is an update)." },
    documentName: { type: "string", description: "The SSM Command document of the script." },
    parameters: {
      type: "object",
      description: "The script's parameters.",
      items: {
        type: "array",
        description: "Values.",
        items: { type: "string", description: "A value." },
      },
    },
    bucketName: { type: "string", description: "The artifacts bucket the output goes to." },
    keyPrefix: { type: "string", description: "The key prefix of the output." },
    waitForSnapshotId: {
      type: "string",
      description:
        "A snapshot that must exist (pending or completed, not failed) before the script runs.",
      optional: true,
    },
    filesBase: {
      type: "string",
      description: "The rescue's files location (s3://bucket/prefix) the script ships files under.",
      optional: true,
    },
    uploadStage: {
      type: "string",
      description: "collect (the raw evidence) or repaired (the hives the repair changed).",
      optional: true,
    },
    uploadNames: {
      type: "array",
      items: { type: "string", description: "A file name." },
      description: "The names the script may upload, one presigned PUT URL each (made when sent).",
      optional: true,
    },
    repairPlan: objectOf(
      REPAIR_PLAN,
      "The repair: the plan compiled when sent against the files collect shipped.",
      { optional: true },
    ),
    collectOutput: {
      type: "string",
      description: "The repair: the collect's output, whose manifest names the shipped files.",
      optional: true,
      secret: true,
    },
  },
  outputs: {
    commandId: { type: "string", description: "The SSM command." },
    status: { type: "string", description: "How it ended (Success)." },
    stdout: { type: "string", description: "The script's full standard output.", secret: true },
    stderr: { type: "string", description: "The script's standard error.", secret: true },
    evidence: {
      type: "string",
      description:
        "The facts the TypeScript readers found in the files a collect manifest lists, as JSON (empty otherwise); disk text, kept secret.",
      optional: true,
      secret: true,
    },
  },
  identityKeys: ["documentName", "parameters"],
  timeouts: stepTimeouts(
    modeled(
      "aws.ebs.snapshot.complete",
      "aws.ssm.managedReady",
      "aws.ssm.command.overhead",
      ...SCRIPT_OPS,
    ),
  ),
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const r = await ssmCommandStep(ops, i, timeout);
    // collect.ps1 2.x printed a manifest of the files it shipped: they are read here, where the
    // stack's identity can read the bucket, and the decision is taken from what they hold.
    const read =
      i.uploadStage === "collect" && i.filesBase
        ? await evidenceFromCollect(r.stdout, s3Store(ops.s3), i.filesBase)
        : null;
    const evidence = read ? JSON.stringify(read) : "";
    return { id: r.commandId, outs: { ...i, ...r, evidence } };
  },
  async read(_ctx, _id, state) {
    // The recorded result: the command ran once, on the helper that existed then.
    return state;
  },
  async update(_ctx, _id, olds, news) {
    // Never runs the script again: a new helper, bucket or timeout only changes the record.
    return {
      ...news,
      commandId: olds.commandId,
      status: olds.status,
      stdout: olds.stdout,
      stderr: olds.stderr ?? "",
      evidence: olds.evidence ?? "",
    };
  },
  async delete() {
    // Nothing: the output stays in the bucket.
  },
};

/** Runs a guest script on the helper through SSM (Azure: the Run Command resources). */
export class SsmCommand extends StepResource {
  declare readonly commandId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly stdout: pulumi.Output<string>;
  declare readonly evidence: pulumi.Output<string>;

  constructor(name: string, i: InputsOf<SsmCommandInputs>, opts?: pulumi.CustomResourceOptions) {
    super(ssmCommandKind, name, i, opts);
  }
}
