/**
 * Each policy run on the resources the real components plan (the offline plan under Pulumi's
 * mocks, as CrossGuard would see them: PolicyResource with props, options and dependencies), then
 * on the same stack with one invariant broken.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  planAwsOffline,
  planAzureOffline,
  type PlannedResource,
} from "../src/engine/simulate/plan";
import { asAzureVmDescription } from "../src/describe/azureVm";
import { asEc2Instance, asEc2Volumes, instanceFacts } from "../src/describe/awsInstance";
import * as tags from "../src/vocabulary/tags";
import { COMPONENT_TYPES } from "../src/vocabulary/tokens";
import {
  COMPONENT_TYPES as PACK_COMPONENTS,
  POLICIES,
  ROLES,
  TAGS,
  backupBeforeDiskWrite,
  encryptionCarriedOver,
  helperBesideVm,
  helperNotExposed,
  helperRulesNotExposed,
  keptResourcesFindable,
} from "./policies";

const EXAMPLES = path.join(__dirname, "..", "examples");
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), "utf8"));

const OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};
const notApplicable = (reason?: string): never => {
  throw new Error(`not applicable: ${reason}`);
};

/**
 * The plan's resources as CrossGuard's stack view (dependencies resolved to resources): children of
 * the component, as the engine names them (the component's type in their URN, their parent option).
 */
function stackOf(planned: PlannedResource[], stack: string, component: string): PolicyResource[] {
  const byName = new Map<string, PolicyResource>();
  const parent = `urn:pulumi:${stack}::vm-rescue::${component}::${stack}`;
  for (const r of planned)
    byName.set(r.name, {
      type: r.type,
      name: r.name,
      urn: `urn:pulumi:${stack}::vm-rescue::${component}$${r.type}::${r.name}`,
      props: structuredClone(r.inputs),
      opts: { ...OPTS, parent },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  for (const r of planned)
    byName.get(r.name)!.dependencies = r.dependsOn.flatMap((d) =>
      byName.has(d) ? [byName.get(d)!] : [],
    );
  return [...byName.values()];
}

function runStack(policy: StackValidationPolicy, resources: PolicyResource[]): string[] {
  const violations: string[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
  policy.validateStack(args, (message) => void violations.push(message));
  return violations;
}

function runResources(resources: PolicyResource[]): string[] {
  const violations: string[] = [];
  for (const r of resources) {
    const args: ResourceValidationArgs = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: r.opts,
      stackTags: new Map(),
      isType: () => false,
      asType: () => undefined,
      getConfig: <T extends object>() => ({}) as T,
      notApplicable,
    };
    const validate = helperNotExposed.validateResource!;
    for (const v of Array.isArray(validate) ? validate : [validate])
      void v(args, (message) => void violations.push(message));
  }
  return violations;
}

let azure: PolicyResource[];
let aws: PolicyResource[];
beforeAll(async () => {
  const a = await planAzureOffline({
    vm: asAzureVmDescription(json("azure-vm.json")),
    nic: json("azure-nic.json"),
  });
  azure = stackOf(a.resources, a.stack, COMPONENT_TYPES.azure);
  const w = await planAwsOffline({
    instance: instanceFacts(
      asEc2Instance(json("aws-instance.json")),
      asEc2Volumes(json("aws-volumes.json")),
    ),
    settings: { kmsGrantConfirmed: "true" },
  });
  aws = stackOf(w.resources, w.stack, COMPONENT_TYPES.aws);
  // After up, the snapshot's outputs say how it is encrypted (its volume's key).
  Object.assign(find(aws, "-snapshot").props, {
    encrypted: true,
    kmsKeyId: find(aws, "-copy").props.kmsKeyId,
  });
}, 120_000);

const find = (rs: PolicyResource[], suffix: string) => rs.find((r) => r.name.endsWith(suffix))!;
/** A copy of the stack with `change` applied to the resource named by the suffix. */
function broken(rs: PolicyResource[], suffix: string, change: (r: PolicyResource) => void) {
  const copy = stackOf(
    rs.map((r) => ({
      type: r.type,
      name: r.name,
      inputs: r.props,
      dependsOn: r.dependencies.map((d) => d.name),
      retainOnDelete: false,
    })),
    "broken",
    rs === azure ? COMPONENT_TYPES.azure : COMPONENT_TYPES.aws,
  );
  change(find(copy, suffix));
  return copy;
}

test("the pack's tags are the rescue's", () => {
  expect(TAGS).toEqual({ id: tags.ID_TAG, role: tags.ROLE_TAG, copyOf: tags.COPY_OF_TAG });
  expect(ROLES).toEqual({
    backup: tags.BACKUP_ROLE,
    helper: tags.HELPER_ROLE,
    copy: tags.REPAIR_COPY_ROLE,
  });
  expect(PACK_COMPONENTS).toEqual([COMPONENT_TYPES.azure, COMPONENT_TYPES.aws]);
  expect(POLICIES.map((p) => p.name)).toHaveLength(new Set(POLICIES.map((p) => p.name)).size);
});

describe.each(["azure", "aws"])("the components' %s stack passes every policy", (cloud) => {
  const stack = () => (cloud === "azure" ? azure : aws);
  test.each([
    backupBeforeDiskWrite,
    keptResourcesFindable,
    helperRulesNotExposed,
    helperBesideVm,
    encryptionCarriedOver,
  ])("$name", (policy) => {
    expect(runStack(policy, stack())).toEqual([]);
  });
  test("vm-rescue-helper-not-exposed", () => {
    expect(runResources(stack())).toEqual([]);
  });
});

/** A resource of an application's own stack: no component parent, no rescue tags. */
function appResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  dependencies: PolicyResource[] = [],
): PolicyResource {
  return {
    type,
    name,
    urn: `urn:pulumi:prod::app::${type}::${name}`,
    props,
    opts: OPTS,
    dependencies,
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

/** An application stack with disks, snapshots, volumes, a public VM and open rules: no rescue. */
function appStack(): PolicyResource[] {
  const volume = appResource("aws:ebs/volume:Volume", "data", {
    availabilityZone: "eu-west-1a",
    size: 100,
  });
  const sg = appResource("aws:ec2/securityGroup:SecurityGroup", "web", {
    ingress: [{ fromPort: 443, toPort: 443, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }],
  });
  const nsg = appResource("azure-native:network:NetworkSecurityGroup", "web-nsg", {
    networkSecurityGroupName: "web-nsg",
    securityRules: [{ name: "https", direction: "Inbound", access: "Allow" }],
  });
  return [
    appResource("azure-native:compute:Disk", "data-disk", { location: "westeurope" }),
    appResource("azure-native:compute:Snapshot", "nightly", { location: "westeurope", tags: {} }),
    appResource("azure-native:network:PublicIPAddress", "web-ip", {}),
    appResource("azure-native:network:NetworkInterface", "web-nic", {
      ipConfigurations: [{ publicIPAddress: { id: "web-ip" } }],
    }),
    nsg,
    appResource(
      "azure-native:network:SecurityRule",
      "ssh",
      { direction: "Inbound", access: "Allow", networkSecurityGroupName: "web-nsg" },
      [nsg],
    ),
    appResource("azure-native:compute:VirtualMachine", "web", { location: "westeurope" }),
    volume,
    appResource("aws:ebs/snapshot:Snapshot", "data-backup", { volumeId: "vol-1" }, [volume]),
    sg,
    appResource("aws:ec2/securityGroupRule:SecurityGroupRule", "ssh", { type: "ingress" }, [sg]),
    appResource("aws:ec2/instance:Instance", "web", { associatePublicIpAddress: true }),
    appResource(
      "aws:ec2/volumeAttachment:VolumeAttachment",
      "data",
      { volumeId: "vol-1", instanceId: "i-1" },
      [volume],
    ),
  ];
}

describe("a stack without a rescue passes", () => {
  test.each(POLICIES.filter((p) => "validateStack" in p) as StackValidationPolicy[])(
    "$name",
    (policy) => {
      expect(runStack(policy, appStack())).toEqual([]);
      // beside a rescue, the application's resources are not the rescue's either
      expect(runStack(policy, [...azure, ...appStack()])).toEqual([]);
      expect(runStack(policy, [...aws, ...appStack()])).toEqual([]);
    },
  );
  test("vm-rescue-helper-not-exposed", () => {
    expect(runResources(appStack())).toEqual([]);
  });
  test("a resource of the component is the rescue's without tags", () => {
    const untagged = broken(azure, "-copy", (r) => {
      r.props.tags = {};
    });
    expect(runStack(keptResourcesFindable, untagged)).toEqual([
      expect.stringMatching(/-copy .*no vm-rescue:id/),
    ]);
    const pip = appResource("azure-native:network:PublicIPAddress", "pip", {});
    const child = {
      ...pip,
      urn: pip.urn,
      opts: { ...OPTS, parent: find(azure, "-nic").opts.parent },
    };
    expect(runResources([pip])).toEqual([]);
    expect(runResources([child])).toEqual([expect.stringMatching(/creates no public IP/)]);
  });
});

describe("violations", () => {
  test("a swap that does not wait for the backup", () => {
    // the copy is made from the snapshot, so any wait on the repair chain reaches the backup
    const az = broken(azure, "-swap", (r) => {
      r.dependencies = [];
    });
    expect(runStack(backupBeforeDiskWrite, az)).toEqual([expect.stringMatching(/-swap .*backup/)]);
    const stop = broken(azure, "-stop", (r) => {
      r.dependencies = [];
    });
    expect(runStack(backupBeforeDiskWrite, stop)).toEqual([
      expect.stringMatching(/-stop \(vm-rescue:azure:VmDeallocate\) .*backup/),
    ]);
    const ec2 = broken(aws, "-stop", (r) => {
      r.dependencies = [];
    });
    expect(runStack(backupBeforeDiskWrite, ec2)).toEqual([expect.stringMatching(/-stop .*backup/)]);
  });

  test("a copy without the rescue's tags, or a stack that manages the original disk", () => {
    const untagged = broken(azure, "-snapshot", (r) => {
      r.props.tags = {};
    });
    expect(runStack(keptResourcesFindable, untagged)).toEqual([
      expect.stringMatching(/no vm-rescue:id/),
    ]);
    const managesOriginal = broken(aws, "-copy", (r) => {
      r.props.id = (r.props.tags as Record<string, string>)[TAGS.copyOf];
    });
    expect(runStack(keptResourcesFindable, managesOriginal)).toEqual([
      expect.stringMatching(/original disk/),
    ]);
  });

  test("a public IP or an inbound rule on the helper", () => {
    const nic = broken(azure, "-nic", (r) => {
      (r.props.ipConfigurations as Record<string, unknown>[])[0].publicIPAddress = { id: "pip" };
    });
    const nsg = broken(azure, "-nsg", (r) => {
      r.props.securityRules = [{ name: "rdp", direction: "Inbound", access: "Allow" }];
    });
    const ec2 = broken(aws, "-helper", (r) => {
      r.props.associatePublicIpAddress = true;
    });
    const sg = broken(aws, "-helper-sg", (r) => {
      r.props.ingress = [{ fromPort: 3389, toPort: 3389, protocol: "tcp" }];
    });
    expect(runResources(nic)).toEqual([expect.stringMatching(/public IP/)]);
    expect(runResources(nsg)).toEqual([expect.stringMatching(/inbound/)]);
    expect(runResources(ec2)).toEqual([expect.stringMatching(/public IP/)]);
    expect(runResources(sg)).toEqual([expect.stringMatching(/inbound/)]);
  });

  test("a helper in another zone or location than the VM's disk", () => {
    const zone = broken(azure, "-helper", (r) => {
      r.props.zones = ["2"];
    });
    expect(runStack(helperBesideVm, zone)).toEqual([expect.stringMatching(/zone 2/)]);
    const location = broken(azure, "-helper", (r) => {
      r.props.location = "northeurope";
    });
    expect(runStack(helperBesideVm, location)).toEqual([
      expect.stringMatching(/helper is in northeurope, its network interface in westeurope/),
      expect.stringMatching(/in northeurope, the VM's disk copy in westeurope/),
    ]);
    const az = broken(aws, "-helper", (r) => {
      r.props.availabilityZone = "eu-west-1b";
    });
    expect(runStack(helperBesideVm, az)).toEqual([expect.stringMatching(/eu-west-1b/)]);
    const noSubnet = broken(aws, "-helper", (r) => {
      delete r.props.subnetId;
    });
    expect(runStack(helperBesideVm, noSubnet)).toEqual([expect.stringMatching(/no subnet/)]);
  });

  test("a helper outside the network the component gives it", () => {
    const nicWithoutSubnet = broken(azure, "-nic", (r) => {
      delete (r.props.ipConfigurations as Record<string, unknown>[])[0].subnet;
    });
    expect(runStack(helperBesideVm, nicWithoutSubnet)).toEqual([
      expect.stringMatching(/-helper has a network interface .*-nic that names no subnet/),
    ]);
    const nicElsewhere = broken(azure, "-nic", (r) => {
      r.props.location = "northeurope";
    });
    expect(runStack(helperBesideVm, nicElsewhere)).toEqual([
      expect.stringMatching(/its network interface in northeurope/),
    ]);
    const otherNic = broken(azure, "-helper", (r) => {
      r.dependencies = r.dependencies.filter((d) => !d.name.endsWith("-nic"));
    });
    expect(runStack(helperBesideVm, otherNic)).toEqual([
      expect.stringMatching(/not attached to a network interface of the rescue/),
    ]);
    const defaultVpc = broken(aws, "-helper-sg", (r) => {
      delete r.props.vpcId;
    });
    expect(runStack(helperBesideVm, defaultVpc)).toEqual([
      expect.stringMatching(/security group .*-helper-sg, which names no VPC/),
    ]);
    const otherGroup = broken(aws, "-helper", (r) => {
      r.dependencies = r.dependencies.filter((d) => !d.name.endsWith("-helper-sg"));
    });
    expect(runStack(helperBesideVm, otherGroup)).toEqual([
      expect.stringMatching(/not in the rescue's security group/),
    ]);
  });

  test("a copy that drops or changes the encryption", () => {
    const ec2 = broken(aws, "-copy", (r) => {
      r.props.kmsKeyId = "arn:aws:kms:eu-west-1:123456789012:key/other";
    });
    const unknownYet = broken(aws, "-snapshot", (r) => {
      delete r.props.encrypted;
    });
    expect(runStack(encryptionCarriedOver, unknownYet)).toEqual([]);
    expect(runStack(encryptionCarriedOver, ec2)).toEqual([expect.stringMatching(/key\/other/)]);
    const plain = broken(aws, "-copy", (r) => {
      r.props.encrypted = false;
    });
    expect(runStack(encryptionCarriedOver, plain)).toEqual([expect.stringMatching(/unencrypted/)]);
    const az = broken(azure, "-snapshot", (r) => {
      r.props.encryption = { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: "des" };
    });
    expect(runStack(encryptionCarriedOver, az)).toEqual([
      expect.stringMatching(/-copy is encrypted/),
    ]);
  });

  describe("a separate rule that opens the helper's group (it cannot carry the rescue's tags)", () => {
    /** The stack plus an untagged rule resource whose `field` refers to `group` (or not). */
    function withRule(
      rs: PolicyResource[],
      type: string,
      props: Record<string, unknown>,
      field: string,
      group: PolicyResource | null,
    ): PolicyResource[] {
      const rule: PolicyResource = {
        type,
        name: "platform-rule",
        urn: `urn:pulumi:x::y::${type}::platform-rule`,
        props,
        opts: OPTS,
        dependencies: group ? [group] : [],
        propertyDependencies: group ? { [field]: [group] } : {},
        isType: () => false,
        asType: () => undefined,
      };
      return [...rs, rule];
    }
    const nsg = () => find(azure, "-nsg");
    const sg = () => aws.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup")!;
    const SR = "azure-native:network:SecurityRule";
    const SGR = "aws:ec2/securityGroupRule:SecurityGroupRule";
    const SGIR = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

    test("Azure: an inbound Allow SecurityRule on the helper's NSG, by reference or by name", () => {
      const inbound = { direction: "Inbound", access: "Allow", priority: 100 };
      const field = "networkSecurityGroupName";
      const byRef = withRule(azure, SR, { ...inbound, [field]: undefined }, field, nsg());
      expect(runStack(helperRulesNotExposed, byRef)).toEqual([
        expect.stringMatching(/platform-rule allows inbound/),
      ]);
      const name = nsg().props.networkSecurityGroupName;
      const byName = withRule(azure, SR, { ...inbound, [field]: name }, field, null);
      expect(runStack(helperRulesNotExposed, byName)).toHaveLength(1);
      // an outbound rule, or a rule on another NSG, is not the helper's exposure
      const out = withRule(azure, SR, { ...inbound, direction: "Outbound" }, field, nsg());
      expect(runStack(helperRulesNotExposed, out)).toEqual([]);
      const other = withRule(azure, SR, { ...inbound, [field]: "nsg-other" }, field, null);
      expect(runStack(helperRulesNotExposed, other)).toEqual([]);
      // the per-resource policy alone cannot see it: the rule has no tags
      expect(runResources(byRef)).toEqual([]);
    });

    test("AWS: an ingress securityGroupRule or SecurityGroupIngressRule on the helper's group", () => {
      const field = "securityGroupId";
      expect(sg()).toBeDefined();
      const ingress = withRule(aws, SGR, { type: "ingress", fromPort: 3389 }, field, sg());
      expect(runStack(helperRulesNotExposed, ingress)).toEqual([
        expect.stringMatching(/platform-rule allows inbound/),
      ]);
      const ipv4 = withRule(aws, SGIR, { cidrIpv4: "0.0.0.0/0" }, field, sg());
      expect(runStack(helperRulesNotExposed, ipv4)).toHaveLength(1);
      const known = structuredClone(sg().props);
      const withId = aws.map((r) =>
        r === sg() ? { ...r, props: { ...known, id: "sg-0abc" } } : r,
      );
      const byId = withRule(withId, SGR, { type: "ingress", [field]: "sg-0abc" }, field, null);
      expect(runStack(helperRulesNotExposed, byId)).toHaveLength(1);
      const egress = withRule(aws, SGR, { type: "egress" }, field, sg());
      expect(runStack(helperRulesNotExposed, egress)).toEqual([]);
      const other = withRule(aws, SGR, { type: "ingress", [field]: "sg-other" }, field, null);
      expect(runStack(helperRulesNotExposed, other)).toEqual([]);
    });
  });
});
