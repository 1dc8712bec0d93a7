/**
 * The evidence of a broken Windows disk read straight from its bytes (a VHD/VHDX/raw image, an
 * HTTP range source over a snapshot, EBS direct blocks): the same EvidenceBundle collect ships,
 * with what the read cost. Pure apart from the ByteSource it is given.
 */
export {
  readEvidenceFromDisk,
  type DiskEvidence,
  type DiskEvidenceOptions,
  type DiskEvidenceStats,
  type DiskLayout,
  type TransportCounters,
} from "./readEvidence";
export {
  DEFAULT_EVIDENCE_CAPS,
  ESP_BCD_PATH,
  WINDOWS_PATHS,
  resolveCaps,
  type EvidenceCaps,
} from "./caps";
export { countingSource, type CountingSource, type ReadCounters } from "./countingSource";
export { printable } from "./problems";
