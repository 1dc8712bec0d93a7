/**
 * The instance's root volume: the storage settings a volume made from its backup keeps, and which
 * volume is the original when the live root is already this rescue's copy.
 */
import type { AwsInstanceFacts } from "../describe/awsInstance";
import { ID_TAG, COPY_OF_TAG } from "../vocabulary/tags";
import { VOLUME, type AwsRescueOptions } from "./awsOptions";

/** The original root's storage settings for a volume made from its snapshot (AWS defaults a new volume to gp2). */
export function volumeSpec(
  zone: string,
  root: NonNullable<AwsInstanceFacts["root"]>,
  warnings: string[],
): AwsVolumeSpec {
  const volumeType = root.volumeType ?? "gp3";
  if (!root.volumeType)
    warnings.push(
      "the root volume's type is not in the description (give describe-volumes output); the volume made from the backup uses gp3",
    );
  if (volumeType === "standard")
    warnings.push(
      "the root volume is magnetic (standard); the volume made from the backup keeps the type, so the repair reads slowly",
    );
  const provisioned = volumeType === "io1" || volumeType === "io2" || volumeType === "gp3";
  return {
    availabilityZone: zone,
    volumeType,
    iops: provisioned ? root.iops : null,
    throughput: volumeType === "gp3" ? root.throughput : null,
    sizeGiB: root.sizeGiB,
    encrypted: root.encrypted === true,
    kmsKeyId: root.encrypted === true ? root.kmsKeyId : null,
  };
}

/**
 * The instance's original root volume. After the swap the live root is this rescue's copy (tagged
 * vm-rescue:copy-of=<original> and vm-rescue:id=<this rescue>): planning with the original keeps
 * every resource's inputs as they were, so a second `up` (e.g. rollback=true) does not snapshot
 * and copy the repaired volume, and the rollback target stays the original.
 */
export function originalRoot(
  currentRootVolumeId: string,
  rootVolumeTags: Record<string, string> | null,
  options: Pick<AwsRescueOptions, "rescueId" | "originalRootVolumeId">,
  warnings: string[],
): string {
  if (options.originalRootVolumeId) return options.originalRootVolumeId;
  const copyOf = rootVolumeTags?.[COPY_OF_TAG];
  if (!copyOf) return currentRootVolumeId;
  if (!VOLUME.test(copyOf)) {
    warnings.push(
      `the root volume ${currentRootVolumeId} has a ${COPY_OF_TAG} tag that is not a volume id (${JSON.stringify(copyOf)}); it is treated as the original root`,
    );
    return currentRootVolumeId;
  }
  const owner = rootVolumeTags?.[ID_TAG];
  if (owner !== options.rescueId) {
    warnings.push(
      `the root volume ${currentRootVolumeId} was made by rescue ${owner ?? "(unknown)"} from ${copyOf}; this rescue treats it as the root (set originalRootVolumeId to plan with ${copyOf})`,
    );
    return currentRootVolumeId;
  }
  return copyOf;
}

/** A volume's storage settings, copied from the original root. */
export interface AwsVolumeSpec {
  availabilityZone: string;
  volumeType: string;
  iops: number | null;
  throughput: number | null;
  sizeGiB: number | null;
  encrypted: boolean;
  kmsKeyId: string | null;
}
