/**
 * A platform stack that keeps one standby helper per region and zone (deallocated: it costs only
 * its OS disk), and a rescue that uses the helper of its VM's region and zone instead of creating
 * one. A platform stack imports the components from the `vm-rescue` package; this example imports
 * them from the repository so it is type-checked with it.
 *
 *   pulumi config set --path 'zones.westeurope.subnetId' /subscriptions/…/subnets/rescue
 *   pulumi config set --path 'zones.westeurope.zones[0]' 1
 *   pulumi config set --path 'zones.westeurope.zones[1]' 2
 *   pulumi config set --path 'rescue.resourceGroupName' rg-app-prod   # optional: rescue one VM now
 *   pulumi config set --path 'rescue.vmName' app-vm-01
 *   pulumi config set --path 'rescue.location' westeurope
 *   pulumi config set --path 'rescue.zone' 1
 *
 * Each helper's subnet must be in the virtual network of the VMs it rescues, and a rescue only takes
 * a helper of its VM's zone (else it is refused in one line before anything is created).
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureWindowsRescue, StandbyHelper } from "../../src/index";

interface RegionLayout {
  /** A subnet of the VMs' virtual network for the helpers (no public IP, no inbound rule). */
  subnetId: string;
  /** The zones the VMs run in; "" (or none) for VMs without a zone. */
  zones?: string[];
  resourceGroupName?: string;
}

const config = new pulumi.Config();
const layout = config.requireObject<Record<string, RegionLayout>>("zones");

/** One standby helper per region and zone, keyed "<region>/<zone>" ("<region>/" without a zone). */
const helpers = new Map<string, StandbyHelper>();
for (const [region, r] of Object.entries(layout)) {
  for (const zone of r.zones && r.zones.length > 0 ? r.zones : [""]) {
    const name = `standby-${region}-${zone || "nz"}`.slice(0, 15);
    helpers.set(
      `${region}/${zone}`,
      new StandbyHelper(name, {
        resourceGroupName: r.resourceGroupName ?? "rg-vm-rescue-standby",
        location: region,
        subnetId: r.subnetId,
        zone: zone || undefined,
        tags: { purpose: "vm-rescue standby helper" },
      }),
    );
  }
}

export const standbyHelpers = Object.fromEntries(
  [...helpers].map(([key, h]) => [key, { helperId: h.helperId, powerState: h.powerState }]),
);

// A rescue on the helper of its VM's region and zone: started with the copy attached, and left
// deallocated with nothing attached when the rescue's stack is destroyed.
const incident = config.getObject<{
  resourceGroupName: string;
  vmName: string;
  location: string;
  zone?: string;
}>("rescue");
if (incident) {
  const helper = helpers.get(`${incident.location}/${incident.zone ?? ""}`);
  if (!helper)
    throw new Error(`no standby helper for ${incident.location} zone ${incident.zone ?? "(none)"}`);
  const rescue = new AzureWindowsRescue(
    `rescue-${incident.vmName}`.slice(0, 24),
    {
      resourceGroupName: incident.resourceGroupName,
      vmName: incident.vmName,
      ...helper.rescueArgs,
    },
    { dependsOn: [helper] },
  );
  module.exports.rescue = { swapped: rescue.swapped, booted: rescue.booted, gate: rescue.gate };
}
