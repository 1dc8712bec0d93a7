import type { Cloud } from "./types";
import type { CompatibilityTable } from "./table";

/** What the guest-driver check checks against. */
export interface CheckDriversOptions {
  cloud: Cloud;
  /** AWS: the instance type the disk will boot on (e.g. "m6i.large"). */
  instanceType?: string;
  /** Hyper-V on-premises: build number of the host the VM runs on (e.g. 17763). */
  hostBuild?: number;
  /** The table to use; the bundled one by default. */
  table?: CompatibilityTable;
}
