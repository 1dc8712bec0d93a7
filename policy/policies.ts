/**
 * The rescue's invariants as CrossGuard policies, for any stack that uses the AzureWindowsRescue or
 * AwsWindowsRescue components (or builds the same resources itself). The pack reads resources by
 * their type tokens and the rescue's tags, so it depends on nothing but @pulumi/policy.
 *
 * What CrossGuard can see: a resource's type, properties, dependencies and the options in
 * `PolicyResourceOptions` (protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
 * additionalSecretOutputs, parent). `retainOnDelete` is not among them (the analyzer is not sent
 * it), so "kept after destroy" is enforced through what the rescue's own tools rely on to find a
 * kept resource again (its role and id tags) and by the stack never managing the original disk.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/** The rescue's tags (src/vocabulary/tags.ts; a test keeps them equal). */
export const TAGS = { id: "vm-rescue:id", role: "vm-rescue:role", copyOf: "vm-rescue:copy-of" };
export const ROLES = { backup: "backup", helper: "helper", copy: "repair-copy" };

/**
 * Resources that write to the broken VM's disks (its OS disk or root volume changes, or is
 * detached) or stop it (its crash loop ends: what it was doing is gone).
 */
export const WRITES_TO_VM_DISKS = new Set([
  "vm-rescue:azure:OsDiskSwap",
  "vm-rescue:azure:VmDeallocate",
  "vm-rescue:azure:OsDiskRollback",
  "vm-rescue:aws:RootVolumeDetach",
  "vm-rescue:aws:RootVolumeSwap",
  "vm-rescue:aws:RootVolumeRollback",
]);
export const BACKUP_TYPES = new Set([
  "azure-native:compute:Snapshot",
  "aws:ebs/snapshot:Snapshot",
  "vm-rescue:aws:BackupSnapshot",
]);
const COPY_TYPES = new Set(["azure-native:compute:Disk", "aws:ebs/volume:Volume"]);
const AZURE_HELPER = "azure-native:compute:VirtualMachine";
const AWS_HELPER = "aws:ec2/instance:Instance";

/** The components' type tokens (src/vocabulary/tokens.ts COMPONENT_TYPES; a test keeps them equal). */
export const COMPONENT_TYPES = [
  "vm-rescue:index:AzureWindowsRescue",
  "vm-rescue:index:AwsWindowsRescue",
];

/** The types a URN names: its parents' and its own (`urn:pulumi:<stack>::<project>::<a>$<b>::<name>`). */
const urnTypes = (urn: string | undefined): string[] => (urn?.split("::")[2] ?? "").split("$");

/**
 * Whether a resource belongs to a rescue: a step of the provider (`vm-rescue:<cloud>:<Kind>`), a
 * resource of an AzureWindowsRescue / AwsWindowsRescue (a component among its URN's parent types or
 * its `parent` option), or one tagged with a rescue id (a stack that builds the rescue's resources
 * itself). Every policy looks at these alone: a stack without a rescue passes.
 */
export function inRescue(r: {
  type: string;
  urn: string;
  props: Record<string, unknown>;
  opts?: { parent?: string };
}): boolean {
  if (r.type.startsWith("vm-rescue:")) return true;
  const parents = [...urnTypes(r.urn).slice(0, -1), ...urnTypes(r.opts?.parent)];
  return parents.some((t) => COMPONENT_TYPES.includes(t)) || !!rescueOf(r);
}

const tagsOf = (r: { props: Record<string, unknown> }) =>
  (r.props.tags ?? {}) as Record<string, string>;
const roleOf = (r: { props: Record<string, unknown> }) => tagsOf(r)[TAGS.role];
const rescueOf = (r: { props: Record<string, unknown> }) => tagsOf(r)[TAGS.id];
const isBackup = (r: PolicyResource) =>
  BACKUP_TYPES.has(r.type) &&
  (roleOf(r) === ROLES.backup || r.type === "vm-rescue:aws:BackupSnapshot");
const isCopy = (r: PolicyResource) => COPY_TYPES.has(r.type) && roleOf(r) === ROLES.copy;
const isHelper = (r: PolicyResource) =>
  (r.type === AZURE_HELPER || r.type === AWS_HELPER) && roleOf(r) === ROLES.helper;

/** Every resource `r` waits for, directly or through others. */
function waitsFor(r: PolicyResource, seen = new Set<string>()): PolicyResource[] {
  const out: PolicyResource[] = [];
  for (const d of [...r.dependencies, ...Object.values(r.propertyDependencies ?? {}).flat()]) {
    if (seen.has(d.urn)) continue;
    seen.add(d.urn);
    out.push(d, ...waitsFor(d, seen));
  }
  return out;
}

/** The rescue's resources of a stack, grouped by rescue id. */
function byRescue(resources: PolicyResource[]): Map<string, PolicyResource[]> {
  const groups = new Map<string, PolicyResource[]>();
  for (const r of resources) {
    const id = rescueOf(r);
    if (!id) continue;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return groups;
}

/** The original OS disk / root volume of a rescue: what its copy was made from. */
function originalsOf(resources: PolicyResource[]): Set<string> {
  return new Set(
    resources
      .filter(isCopy)
      .map((c) => tagsOf(c)[TAGS.copyOf])
      .filter((x): x is string => !!x)
      .map((x) => x.toLowerCase()),
  );
}

export const backupBeforeDiskWrite: StackValidationPolicy = {
  name: "vm-rescue-backup-before-disk-write",
  description:
    "Nothing writes to the broken VM's disks or stops it (swap, detach, rollback, attaching the original root, the Azure stop) before the rescue's backup snapshot exists.",
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    const rescue = args.resources.filter(inRescue);
    const originals = originalsOf(rescue);
    for (const r of rescue) {
      const attachesOriginal =
        r.type === "aws:ec2/volumeAttachment:VolumeAttachment" &&
        typeof r.props.volumeId === "string" &&
        originals.has(r.props.volumeId.toLowerCase());
      if (!WRITES_TO_VM_DISKS.has(r.type) && !attachesOriginal) continue;
      if (!waitsFor(r).some(isBackup))
        report(
          `${r.name} (${r.type}) writes to the broken VM's disks but does not wait for a backup snapshot (a ${[...BACKUP_TYPES].join(" / ")} tagged ${TAGS.role}=${ROLES.backup}).`,
          r.urn,
        );
    }
  },
};

export const keptResourcesFindable: StackValidationPolicy = {
  name: "vm-rescue-kept-resources",
  description:
    "The backup snapshot and the repaired copy carry the rescue's id and role tags (how they are found after the stack is destroyed), and the stack never manages the original disk.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const rescue = args.resources.filter(inRescue);
    const originals = originalsOf(rescue);
    for (const r of rescue) {
      const kept = BACKUP_TYPES.has(r.type) || COPY_TYPES.has(r.type);
      const step = r.type === "vm-rescue:aws:BackupSnapshot";
      if (kept && !step && (!rescueOf(r) || ![ROLES.backup, ROLES.copy].includes(roleOf(r) ?? "")))
        report(
          `${r.name} (${r.type}) has no ${TAGS.id} and ${TAGS.role} (backup or repair-copy) tags: after a destroy nothing finds it again.`,
          r.urn,
        );
      const id = typeof r.props.id === "string" ? r.props.id.toLowerCase() : null;
      if (COPY_TYPES.has(r.type) && id && originals.has(id))
        report(
          `${r.name} manages the VM's original disk ${r.props.id}: destroying the stack would delete it.`,
          r.urn,
        );
    }
  },
};

function azureNicExposed(props: Record<string, unknown>): boolean {
  const configs = (props.ipConfigurations ?? []) as { publicIPAddress?: unknown }[];
  return configs.some((c) => c.publicIPAddress);
}

function inboundAllowed(props: Record<string, unknown>): boolean {
  const rules = (props.securityRules ?? []) as { direction?: string; access?: string }[];
  return rules.some((x) => x.direction === "Inbound" && x.access === "Allow");
}

export const helperNotExposed: ResourceValidationPolicy = {
  name: "vm-rescue-helper-not-exposed",
  description:
    "The helper has no public IP address and its network security group / security group allows nothing inbound.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (!inRescue(args)) return;
    switch (args.type) {
      case "azure-native:network:NetworkInterface": {
        if (azureNicExposed(p)) report(`the helper's NIC ${args.name} has a public IP address`);
        return;
      }
      case "azure-native:network:PublicIPAddress":
        report(`${args.name}: a rescue creates no public IP address`);
        return;
      case "azure-native:network:NetworkSecurityGroup":
        if (inboundAllowed(p)) report(`${args.name} allows inbound traffic to the helper`);
        return;
      case "azure-native:network:SecurityRule":
        if (p.direction === "Inbound" && p.access === "Allow")
          report(`${args.name} allows inbound traffic to the helper`);
        return;
      case AWS_HELPER:
        if (p.associatePublicIpAddress === true)
          report(`the helper ${args.name} gets a public IP address (associatePublicIpAddress)`);
        return;
      case "aws:ec2/securityGroup:SecurityGroup":
        if (Array.isArray(p.ingress) && p.ingress.length > 0)
          report(`${args.name} allows inbound traffic to the helper`);
        return;
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        report(`${args.name} allows inbound traffic to the helper`);
        return;
      case "aws:ec2/securityGroupRule:SecurityGroupRule":
        if (p.type === "ingress") report(`${args.name} allows inbound traffic to the helper`);
        return;
    }
  },
};

/** A separate rule resource and the property that names the group it belongs to. */
const RULE_GROUP_PROPERTY: Record<string, string> = {
  "azure-native:network:SecurityRule": "networkSecurityGroupName",
  "aws:ec2/securityGroupRule:SecurityGroupRule": "securityGroupId",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "securityGroupId",
};
const GROUP_TYPES = new Set([
  "azure-native:network:NetworkSecurityGroup",
  "aws:ec2/securityGroup:SecurityGroup",
]);

function allowsInbound(rule: PolicyResource): boolean {
  const p = rule.props;
  if (rule.type === "azure-native:network:SecurityRule")
    return p.direction === "Inbound" && p.access === "Allow";
  if (rule.type === "aws:ec2/securityGroupRule:SecurityGroupRule") return p.type === "ingress";
  return true; // a SecurityGroupIngressRule is inbound by definition
}

/** The group's own name or id as a rule names it (known once the group exists, or from its inputs). */
function groupKeys(g: PolicyResource): string[] {
  const p = g.props;
  const keys = g.type.startsWith("azure-native:")
    ? [p.networkSecurityGroupName, p.name]
    : [p.id, p.arn];
  return keys.filter((k): k is string => typeof k === "string" && k !== "");
}

/**
 * Rules are separate resources that cannot carry the rescue's tags: one belongs to the helper when
 * the property naming its group refers to a rescue's NSG / security group (through the engine's
 * property dependencies, or by the group's name or id once known).
 */
export const helperRulesNotExposed: StackValidationPolicy = {
  name: "vm-rescue-helper-rules-not-exposed",
  description:
    "No separate security rule (SecurityRule, securityGroupRule, SecurityGroupIngressRule) allows inbound traffic to a rescue's NSG or security group.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const groups = args.resources.filter((r) => GROUP_TYPES.has(r.type) && inRescue(r));
    if (groups.length === 0) return;
    const urns = new Set(groups.map((g) => g.urn));
    const keys = new Set(groups.flatMap(groupKeys));
    for (const rule of args.resources) {
      const field = RULE_GROUP_PROPERTY[rule.type];
      if (!field || !allowsInbound(rule)) continue;
      const refs = rule.propertyDependencies?.[field] ?? [];
      const named = rule.props[field];
      if (refs.some((d) => urns.has(d.urn)) || (typeof named === "string" && keys.has(named)))
        report(`${rule.name} allows inbound traffic to the helper (${field} is a rescue's group)`);
    }
  },
};

const zonesOf = (r: PolicyResource): string[] =>
  r.type === AWS_HELPER || r.type === "aws:ebs/volume:Volume"
    ? [String(r.props.availabilityZone ?? "")]
    : ((r.props.zones as string[] | undefined) ?? []);

/** The resources `r` refers to directly (its dependencies, through its inputs or declared). */
const refersTo = (r: PolicyResource, other: PolicyResource) =>
  [...r.dependencies, ...Object.values(r.propertyDependencies ?? {}).flat()].some(
    (d) => d.urn === other.urn,
  );

/** What can be told in a preview about the helper's network (the VM itself is not in the stack). */
function networkProblems(helper: PolicyResource, group: PolicyResource[]): string[] {
  if (helper.type === AZURE_HELPER) {
    const nic = group.find(
      (r) => r.type === "azure-native:network:NetworkInterface" && refersTo(helper, r),
    );
    if (!nic) return ["is not attached to a network interface of the rescue"];
    const configs = (nic.props.ipConfigurations ?? []) as { subnet?: { id?: string } }[];
    const problems: string[] = [];
    if (configs.length === 0 || configs.some((c) => !c.subnet?.id))
      problems.push(`has a network interface ${nic.name} that names no subnet`);
    if (String(nic.props.location) !== String(helper.props.location))
      problems.push(
        `is in ${helper.props.location}, its network interface in ${nic.props.location}`,
      );
    return problems;
  }
  const problems: string[] = [];
  if (!helper.props.subnetId) problems.push("names no subnet (it would land in the default VPC)");
  const groups = group.filter(
    (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && refersTo(helper, r),
  );
  if (groups.length === 0) problems.push("is not in the rescue's security group");
  for (const sg of groups)
    if (!sg.props.vpcId)
      problems.push(
        `is in the security group ${sg.name}, which names no VPC (it would be made in the default VPC, not the subnet's)`,
      );
  return problems;
}

export const helperBesideVm: StackValidationPolicy = {
  name: "vm-rescue-helper-beside-vm",
  description:
    "The helper runs where the broken VM's disk is: same location and zone as the repaired copy; Azure: on the rescue's network interface, which names a subnet and is in the helper's location; AWS: in a named subnet and the rescue's security group, which names a VPC. (A preview cannot see that the subnet is the VM's: the VM is not in the stack; the components take it from the VM's primary NIC or instance.)",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const group of byRescue(args.resources).values()) {
      const helper = group.find(isHelper);
      if (!helper) continue;
      for (const problem of networkProblems(helper, group))
        report(`the helper ${helper.name} ${problem}`, helper.urn);
      const copy = group.find(isCopy);
      if (!copy) continue;
      if (
        helper.type === AZURE_HELPER &&
        String(helper.props.location) !== String(copy.props.location)
      )
        report(
          `the helper ${helper.name} is in ${helper.props.location}, the VM's disk copy in ${copy.props.location}`,
          helper.urn,
        );
      if (zonesOf(helper).join() !== zonesOf(copy).join())
        report(
          `the helper ${helper.name} is in zone ${zonesOf(helper).join() || "(none)"}, the VM's disk copy in ${zonesOf(copy).join() || "(none)"}: the copy cannot be attached`,
          helper.urn,
        );
    }
  },
};

/** The encryption of a kept disk or snapshot, in one comparable string. */
function encryptionOf(r: PolicyResource): string | null {
  const p = r.props as {
    encrypted?: boolean;
    kmsKeyId?: string;
    diskEncryptionSetId?: string;
    encryption?: { type?: string; diskEncryptionSetId?: string };
    securityProfile?: { securityType?: string };
  };
  // An EBS snapshot's encryption is an output (its volume's): unknown until it exists.
  if (r.type.startsWith("aws:") && p.encrypted === undefined) return null;
  if (r.type.startsWith("aws:"))
    return p.encrypted ? `kms:${p.kmsKeyId ?? "(default key)"}` : "unencrypted";
  const set = p.encryption?.diskEncryptionSetId ?? p.diskEncryptionSetId ?? null;
  const security = p.securityProfile?.securityType ?? null;
  return `${p.encryption?.type ?? "platform"}:${set ?? "-"}:${security ?? "-"}`;
}

export const encryptionCarriedOver: StackValidationPolicy = {
  name: "vm-rescue-encryption-carried-over",
  description:
    "The repaired copy is encrypted as the backup of the original is: the same key (AWS KMS key; Azure disk encryption set and security type).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const group of byRescue(args.resources).values()) {
      const backup = group.find(isBackup);
      for (const copy of group.filter(isCopy)) {
        const want = backup ? encryptionOf(backup) : null;
        if (want !== null && encryptionOf(copy) !== want)
          report(
            `${copy.name} is encrypted as ${encryptionOf(copy) ?? "unknown"}, the backup of the original as ${want}`,
            copy.urn,
          );
      }
    }
  },
};

export const POLICIES = [
  backupBeforeDiskWrite,
  keptResourcesFindable,
  helperNotExposed,
  helperRulesNotExposed,
  helperBesideVm,
  encryptionCarriedOver,
];
