/**
 * A platform stack that keeps one AWS standby helper per region and availability zone (stopped: it
 * costs only its root volume), and a rescue that uses the helper of its instance's zone instead of
 * launching one. A platform stack imports the components from the `vm-rescue` package; this
 * example imports them from the repository so it is type-checked with it.
 *
 *   pulumi config set --path 'zones.eu-west-1.subnets.eu-west-1a' subnet-0aaaaaaaaaaaaaaaa
 *   pulumi config set --path 'zones.eu-west-1.subnets.eu-west-1b' subnet-0bbbbbbbbbbbbbbbb
 *   pulumi up        # the helpers, stopped; `pulumi stack output standbyHelpers` names them
 *
 * An instance id is known only once the instance exists, so a rescue takes its helper from the
 * outputs of an earlier `up` (this stack's, or the vm-rescue CLI's stack settings standbyHelperId,
 * standbyHelperSubnetId and standbyHelperZone from them):
 *
 *   pulumi config set --path 'rescue.instanceId' i-0123456789abcdef0
 *   pulumi config set --path 'rescue.region' eu-west-1
 *   pulumi config set --path 'rescue.availabilityZone' eu-west-1a
 *   pulumi config set --path 'rescue.standbyHelperId' "$(pulumi stack output standbyHelpers --json | jq -r '."eu-west-1a".standbyHelperId')"
 *   pulumi up
 *
 * Each helper's subnet must be in the VPC of the instances it rescues and reach SSM (VPC endpoints
 * or a NAT gateway); a rescue only takes a helper of its root volume's availability zone (else it
 * is refused in one line before anything is created). The helper's role may write SSM command
 * output under `rescue/` of any `vm-rescue-*` bucket, the rescues' artifacts buckets. Keep the
 * helper's Windows Server version (amiParameter) one the instances it rescues do not run.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsStandbyHelper, AwsWindowsRescue } from "../../src/index";

interface RegionLayout {
  /** A subnet per availability zone, in the VPC of the instances of that zone. */
  subnets: Record<string, string>;
  instanceType?: string;
}

const config = new pulumi.Config();
const layout = config.requireObject<Record<string, RegionLayout>>("zones");

/** One standby helper per region and availability zone, keyed by the zone. */
const helpers = new Map<string, { helper: AwsStandbyHelper; subnetId: string }>();
for (const [region, r] of Object.entries(layout)) {
  for (const [zone, subnetId] of Object.entries(r.subnets)) {
    helpers.set(zone, {
      subnetId,
      helper: new AwsStandbyHelper(`standby-${zone}`, {
        region,
        subnetId,
        availabilityZone: zone,
        instanceType: r.instanceType,
        tags: { purpose: "vm-rescue standby helper" },
      }),
    });
  }
}

/** Per zone: the settings a rescue takes (`standbyHelperId`, `…SubnetId`, `…Zone`) and the state. */
export const standbyHelpers = Object.fromEntries(
  [...helpers].map(([zone, h]) => [
    zone,
    {
      standbyHelperId: h.helper.helperId,
      standbyHelperSubnetId: h.helper.subnetId,
      standbyHelperZone: h.helper.availabilityZone,
      state: h.helper.state,
    },
  ]),
);

// A rescue on the helper of its zone: started beside the snapshot and the copy, and left stopped
// with nothing attached besides its root when the rescue's stack is destroyed. Never terminated.
const incident = config.getObject<{
  instanceId: string;
  region: string;
  availabilityZone: string;
  /** The zone's helper, from `standbyHelpers` of an earlier `up`. */
  standbyHelperId: string;
}>("rescue");
if (incident) {
  const h = helpers.get(incident.availabilityZone);
  if (!h) throw new Error(`no standby helper in ${incident.availabilityZone}`);
  const rescue = new AwsWindowsRescue(
    `rescue-${incident.instanceId}`.slice(0, 24),
    {
      instanceId: incident.instanceId,
      region: incident.region,
      standbyHelperId: incident.standbyHelperId,
      standbyHelperSubnetId: h.subnetId,
      standbyHelperZone: incident.availabilityZone,
    },
    { dependsOn: [h.helper] },
  );
  module.exports.rescue = { swapped: rescue.swapped, booted: rescue.booted, gate: rescue.gate };
}
