/**
 * Where a collected disk will boot, from the options `check-drivers` and `plan-repair` share: the
 * collect output file, the cloud (given or inferred from the guest components on the disk), the AWS
 * instance type or the Hyper-V host build. Bad input is a {@link UsageError} naming the option.
 */
import { parseCollectOutput, ScriptOutputError } from "../collect/validate";
import type { CollectOutput } from "../collect/contract";
import type { Cloud } from "../drivers/types";
import { inferCloud } from "../drivers/check";
import { UsageError } from "../vocabulary/exitCodes";
import { COLLECT_OUTPUT_CAP, readJsonFile } from "./readJson";

const CLOUDS: readonly Cloud[] = ["azure", "aws", "hyperv"];

/** Where a collected disk will boot, from the command line: cloud, AWS instance type, Hyper-V host build. */
export interface CheckTarget {
  collect: CollectOutput;
  cloud: Cloud;
  instanceType?: string;
  hostBuild?: number;
}

/** Reads the collect output and the target options shared by check-drivers and plan-repair; usage errors for bad ones. */
export function readCheckTarget(
  file: string,
  opts: { cloud?: string; instanceType?: string; hostBuild?: string },
): CheckTarget {
  return checkTargetOf(readCollectOutput(file), opts);
}

/** {@link readCheckTarget} for facts already read (an evidence folder, a collect manifest's files). */
export function checkTargetOf(
  collect: CollectOutput,
  opts: { cloud?: string; instanceType?: string; hostBuild?: string },
): CheckTarget {
  const instanceType = opts.instanceType?.trim();
  if (instanceType !== undefined && !/^[A-Za-z0-9-]+\.[A-Za-z0-9-]+$/.test(instanceType)) {
    throw new UsageError(
      `--instance-type must look like family.size (e.g. m6i.large), got ${JSON.stringify(opts.instanceType)}`,
    );
  }
  let hostBuild: number | undefined;
  if (opts.hostBuild !== undefined) {
    if (!/^\d{1,6}$/.test(opts.hostBuild.trim()) || Number(opts.hostBuild) === 0) {
      throw new UsageError(
        `--host-build must be a Windows build number (e.g. 17763), got ${JSON.stringify(opts.hostBuild)}`,
      );
    }
    hostBuild = Number(opts.hostBuild);
  }
  const cloud = resolveCloud(opts.cloud, collect, instanceType, hostBuild);
  if (instanceType !== undefined && cloud !== "aws")
    throw new UsageError(`--instance-type is for --cloud aws, not ${cloud}`);
  if (hostBuild !== undefined && cloud !== "hyperv")
    throw new UsageError(`--host-build is for --cloud hyperv, not ${cloud}`);

  return { collect, cloud, instanceType, hostBuild };
}

function resolveCloud(
  given: string | undefined,
  collect: CollectOutput,
  instanceType?: string,
  hostBuild?: number,
): Cloud {
  if (given !== undefined) {
    const cloud = given.trim().toLowerCase();
    if (!CLOUDS.includes(cloud as Cloud))
      throw new UsageError(`unknown cloud ${JSON.stringify(given)}: use azure, aws or hyperv`);
    return cloud as Cloud;
  }
  const inferred = inferCloud(collect, { instanceType, hostBuild });
  if (!inferred)
    throw new UsageError(
      "cannot tell the cloud from the guest components on the disk; pass --cloud azure|aws|hyperv",
    );
  return inferred;
}

/**
 * Reads and checks a collect output. A minimal structural check for now; it becomes the shared
 * collect-output validation once that exists.
 */
export function readCollectOutput(file: string): CollectOutput {
  try {
    return parseCollectOutput(readJsonFile(file, "collect output", COLLECT_OUTPUT_CAP));
  } catch (e) {
    if (e instanceof ScriptOutputError)
      throw new UsageError(`${file} is not a valid collect output: ${e.message}`);
    throw e;
  }
}
