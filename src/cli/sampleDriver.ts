/**
 * The offline plan and the simulated rescue run on the bundled sample disk, not the operator's: a
 * driver the operator names is checked against the sample's services before anything runs, so it
 * is a warning or one line instead of a failure deep inside the simulated chain.
 */
import { SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import { findService, servicesForModule } from "../drivers/bootCritical";
import type { CollectOutput } from "../collect/contract";

/**
 * True when the sample disk of `cloud` has a service named `driver` (or running a binary of that
 * name), false when not, null when `driver` is not a well-formed name (the settings refuse it).
 */
export function sampleHasDriver(cloud: "azure" | "aws", driver: string): boolean | null {
  if (!SERVICE_NAME_PATTERN.test(driver)) return null;
  const collect = (
    cloud === "azure"
      ? (
          require("../clouds/azure/sample") as typeof import("../clouds/azure/sample")
        ).sampleCollectOutput()
      : (
          require("../engine/simulate/awsCloud") as typeof import("../engine/simulate/awsCloud")
        ).sampleAwsCollect()
  ) as CollectOutput;
  return (
    findService(collect.services, driver) !== undefined ||
    servicesForModule(collect.services, driver).length > 0
  );
}
