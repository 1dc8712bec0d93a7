/**
 * Every shape users have, made from the bundled sample descriptions the way each tool prints them,
 * reads to the same facts and is named; what cannot be rescued is one line naming the field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { camelName, checkNicOfVm, readAzureVm } from "./azureShapes";
import { checkVolumesOfInstance, readEc2Instance } from "./awsShapes";
import { asEc2Volumes, instanceFacts } from "./awsInstance";
import { decodeText, jsonDepth, parseJsonText, MAX_JSON_DEPTH } from "./jsonText";
import { isPlanError } from "../vocabulary/errors";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), "utf8"));
const vm = () => load("azure-vm.json");
const ec2 = () => load("aws-instance.json");
const one = () => ec2().Reservations[0].Instances[0];

/** ARM's body of the sample: the properties under `properties`, as `az rest` prints it. */
function armBody(v: any): any {
  const { id, name, type, location, tags, zones, resources, ...properties } = v;
  delete properties.resourceGroup;
  return { id, name, type, location, tags, zones, resources, properties };
}

/** PowerShell's names (`Get-AzVM | ConvertTo-Json -Depth 20`). */
function pascal(x: any, key = ""): any {
  if (Array.isArray(x)) return x.map((e) => pascal(e));
  if (x === null || typeof x !== "object" || key === "tags") return x;
  return Object.fromEntries(
    Object.entries(x).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascal(v, k)]),
  );
}

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isPlanError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("not refused");
}

describe("Azure shapes", () => {
  const base = readAzureVm(vm()).vm;
  const azureShapes: [string, () => unknown][] = [
    ["az vm show", vm],
    ["az vm list (one VM)", () => [vm()]],
    ["ARM REST body (properties)", () => armBody(vm())],
    ["ARM REST list (one VM)", () => ({ value: [armBody(vm())] })],
    [
      "Azure Resource Graph row",
      () => ({ count: 1, data: [{ ...armBody(vm()), subscriptionId: "x", tenantId: "y" }] }),
    ],
    ["Azure Resource Graph row", () => [{ ...armBody(vm()), subscriptionId: "x" }]],
    ["Get-AzVM | ConvertTo-Json", () => ({ ...pascal(vm()), ResourceGroupName: "rg-app-prod" })],
  ];
  test.each(azureShapes)("%s is read to the same OS disk, size and zone", (shape, make) => {
    const r = readAzureVm(make());
    expect(r.shape).toBe(shape);
    expect(r.vm.storageProfile?.osDisk?.managedDisk?.id).toBe(
      base.storageProfile?.osDisk?.managedDisk?.id,
    );
    expect(r.vm.storageProfile?.osDisk?.osType).toBe("Windows");
    expect(r.vm.hardwareProfile?.vmSize).toBe(base.hardwareProfile?.vmSize);
    expect(r.vm.zones).toEqual(["1"]);
    expect(r.warnings).toEqual([]);
  });

  test("old and new az: explicit nulls, diskSizeGb or diskSizeGB", () => {
    const old = vm();
    old.storageProfile.osDisk.diskSizeGB = old.storageProfile.osDisk.diskSizeGb;
    delete old.storageProfile.osDisk.diskSizeGb;
    expect(readAzureVm(old).vm.storageProfile?.osDisk?.diskSizeGB).toBe(127);
    expect(readAzureVm(vm()).vm.storageProfile?.osDisk?.diffDiskSettings).toBeNull();
  });

  test("unknown size and zone are warned about, never defaulted", () => {
    const v = vm();
    delete v.zones;
    delete v.hardwareProfile;
    const r = readAzureVm(v);
    expect(r.warnings.join("\n")).toMatch(/size is unknown/);
    expect(r.warnings.join("\n")).toMatch(/zone is unknown/);
  });

  test("PowerShell names: OSProfile → osProfile, VmSize → vmSize, ID → id", () => {
    expect(["OSProfile", "VmSize", "ID", "DiskSizeGB", "osDisk"].map(camelName)).toEqual([
      "osProfile",
      "vmSize",
      "id",
      "diskSizeGB",
      "osDisk",
    ]);
  });

  const refusals: [string, () => unknown, RegExp][] = [
    ["not-one-vm", () => [vm(), vm()], /got a list of 2 VMs; pick one/],
    ["not-one-vm", () => [], /empty list/],
    [
      "not-windows",
      () => ({ ...vm(), storageProfile: { osDisk: { osType: "Linux" } } }),
      /osType is Linux/,
    ],
    [
      "ephemeral-os-disk",
      () =>
        armBody({ ...vm(), storageProfile: { osDisk: { diffDiskSettings: { option: "Local" } } } }),
      /diffDiskSettings is Local/,
    ],
    [
      "unmanaged-disk",
      () => ({
        ...vm(),
        storageProfile: { osDisk: { vhd: { uri: "https://a.blob.core.windows.net/v/os.vhd" } } },
      }),
      /storageProfile\.osDisk\.vhd/,
    ],
    [
      "scale-set-instance",
      () => ({ ...vm(), virtualMachineScaleSet: { id: "/subscriptions/1/x" } }),
      /virtualMachineScaleSet\.id/,
    ],
    [
      "confidential-vm",
      () => ({ ...vm(), securityProfile: { securityType: "ConfidentialVM" } }),
      /securityProfile\.securityType is ConfidentialVM/,
    ],
    [
      "placeholder-id",
      () => ({
        ...vm(),
        id: "/subscriptions/{subscription-id}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
      }),
      /^--azure-vm: id is a placeholder or redacted id/,
    ],
    [
      "placeholder-id",
      () => ({
        ...vm(),
        id: "/subscriptions/[subscription-id/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
      }),
      /id is a placeholder/,
    ],
    [
      "placeholder-id",
      () => {
        const v = vm();
        v.storageProfile.osDisk.managedDisk.id = v.storageProfile.osDisk.managedDisk.id.replace(
          /subscriptions\/[^/]+/,
          "subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        );
        return v;
      },
      /storageProfile\.osDisk\.managedDisk\.id is a placeholder/,
    ],
    [
      "convertto-json-depth",
      () => ({
        ...pascal(vm()),
        StorageProfile: "Microsoft.Azure.Management.Compute.Models.StorageProfile",
      }),
      /StorageProfile was cut by ConvertTo-Json's default depth; .*-Depth 20/,
    ],
    [
      "template-export",
      () => ({ $schema: "https://schema.management.azure.com/x#", resources: [] }),
      /template export/,
    ],
    [
      "not-a-vm",
      () => ({ ...vm(), type: "Microsoft.Compute/disks" }),
      /not a Microsoft\.Compute\/virtualMachines/,
    ],
  ];
  test.each(refusals)("%s: one line naming the field", (code, make, line) => {
    const r = refusal(() => readAzureVm(make()));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(line);
    expect(r.message).not.toMatch(/\n/);
  });

  test("a NIC of another VM is refused; the VM's own NIC is read", () => {
    const v = readAzureVm(vm()).vm;
    const nic = load("azure-nic.json");
    expect(checkNicOfVm(nic, v).id).toBe(nic.id);
    const other = { ...nic, id: nic.id.replace(/[^/]+$/, "other-nic") };
    expect(refusal(() => checkNicOfVm(other, v)).code).toBe("nic-of-another-vm");
    const owned = { ...nic, virtualMachine: { id: v.id!.replace(/[^/]+$/, "other-vm") } };
    expect(refusal(() => checkNicOfVm(owned, v)).message).toMatch(/virtualMachine\.id is/);
  });
});

describe("AWS shapes", () => {
  const shapes: [string, () => unknown][] = [
    ["describe-instances (Reservations[].Instances[])", ec2],
    ["describe-instances (a bare Instances list)", () => ec2().Reservations[0]],
    ["describe-instances (one instance object)", one],
    ["describe-instances --query result", () => [one()]],
    ["describe-instances --query result", () => [[one()]]],
  ];
  test.each(shapes)("%s is read to the same instance", (shape, make) => {
    const r = readEc2Instance(make());
    expect(r.shape).toBe(shape);
    const facts = instanceFacts(r.instance, asEc2Volumes(load("aws-volumes.json")));
    expect(facts.instanceId).toBe("i-0a1b2c3d4e5f67890");
    expect(facts.availabilityZone).toBe("eu-west-1a");
    expect(facts.root?.volumeType).not.toBeNull();
  });

  const refusals: [string, () => unknown, RegExp][] = [
    [
      "not-one-instance",
      () => ({ Reservations: [{ Instances: [one(), one()] }] }),
      /holds 2 instances/,
    ],
    ["not-one-instance", () => ({ Reservations: [] }), /holds 0 instances/],
    [
      "placeholder-id",
      () => ({ ...one(), InstanceId: "i-xxxxxxxx" }),
      /InstanceId is not an EC2 id/,
    ],
    [
      "ec2-classic",
      () => {
        const i = one();
        delete i.VpcId;
        delete i.SubnetId;
        return i;
      },
      /no VpcId or SubnetId: an EC2-Classic instance/,
    ],
  ];
  test.each(refusals)("%s: one line naming the field", (code, make, line) => {
    const r = refusal(() => readEc2Instance(make()));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(line);
  });

  test("volumes of another instance and a missing root are refused", () => {
    const i = one();
    const volumes = asEc2Volumes(load("aws-volumes.json"));
    expect(() => checkVolumesOfInstance(volumes, i)).not.toThrow();
    const foreign = volumes.map((v) => ({
      ...v,
      Attachments: [{ InstanceId: "i-0fedcba9876543210" }],
    }));
    expect(refusal(() => checkVolumesOfInstance(foreign, i)).code).toBe(
      "volume-of-another-instance",
    );
    const noRoot = volumes.filter((v) => v.VolumeId !== "vol-0a9b8c7d6e5f43210");
    expect(refusal(() => checkVolumesOfInstance(noRoot, i)).code).toBe("root-volume-missing");
  });
});

describe("JSON text within bounds", () => {
  const text = JSON.stringify({ a: "é" });
  test.each([
    ["utf-8", Buffer.from(text, "utf8")],
    ["utf-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ["utf-16le with BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])],
  ])("%s decodes to the same text", (encoding, bytes) => {
    expect(decodeText(bytes, "f")).toEqual({ text, encoding });
  });

  test("UTF-16 without a BOM, NUL bytes and invalid UTF-8 are one line each", () => {
    expect(() => decodeText(Buffer.from(text, "utf16le"), "f")).toThrow(
      /UTF-16 without a byte-order mark/,
    );
    expect(() => decodeText(Buffer.alloc(16), "f")).toThrow(/NUL bytes/);
    expect(() => decodeText(Buffer.from([0x7b, 0xff, 0x7d]), "f")).toThrow(/not UTF-8 text/);
  });

  test("a 5,000-deep array is refused before it is parsed; brackets in strings do not count", () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    expect(jsonDepth(deep)).toBe(MAX_JSON_DEPTH + 1);
    expect(() => parseJsonText(deep, "f")).toThrow(/nests deeper than 64 levels/);
    expect(jsonDepth(JSON.stringify({ a: '[[[[\\"[[[' }))).toBe(1);
    expect(parseJsonText("[[1]]", "f")).toEqual([[1]]);
  });
});
