import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, Io } from "../src/cli/main";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const VM = path.join(EXAMPLES, "azure-vm.json");
const NIC = path.join(EXAMPLES, "azure-nic.json");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-plan-"));

function writeTmp(name: string, content: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

async function run(args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("") };
}

describe("vm-rescue plan --azure-vm", () => {
  test("--json lists every resource with inputs, dependencies and retention", async () => {
    const r = await run(["plan", "--azure-vm", VM, "--nic", NIC, "--json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.cloud).toBe("azure");
    // (where the shared latency model is absent, the plan says it could not model the time to recovery)
    expect(plan.warnings.filter((w: string) => !/latency model/.test(w))).toEqual([]);
    const byType = (t: string) => plan.resources.find((x: any) => x.type === t);
    for (const t of [
      "Snapshot",
      "Disk",
      "VirtualMachine",
      "VirtualMachineRunCommandByVirtualMachine",
    ]) {
      expect(byType(`azure-native:compute:${t}`)).toBeDefined();
    }
    expect(byType("azure-native:network:NetworkInterface")).toBeDefined();
    expect(byType("azure-native:network:NetworkSecurityGroup")).toBeDefined();
    expect(byType("azure-native:storage:StorageAccount")).toBeDefined();
    const snapshot = byType("azure-native:compute:Snapshot");
    expect(snapshot).toMatchObject({
      name: "app-vm-01-rescue-snapshot",
      retainOnDelete: true,
      dependsOn: [],
    });
    expect(snapshot.inputs.creationData.createOption).toBe("Copy");
    const helper = byType("azure-native:compute:VirtualMachine");
    // created beside the copy; the attach waits for both, the collect for the attach
    expect(helper.dependsOn).toContain("app-vm-01-rescue-nic");
    expect(helper.dependsOn).not.toContain("app-vm-01-rescue-copy");
    expect(byType("vm-rescue:azure:DataDiskAttach").dependsOn).toEqual(
      expect.arrayContaining(["app-vm-01-rescue-copy", "app-vm-01-rescue-helper"]),
    );
    const collect = byType("azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
    expect(collect.dependsOn).toEqual(
      expect.arrayContaining([
        "app-vm-01-rescue-helper",
        "app-vm-01-rescue-helper-blob-access",
        "app-vm-01-rescue-copy-attach",
      ]),
    );
    for (const res of plan.resources) {
      expect(Object.keys(res).sort()).toEqual([
        "dependsOn",
        "inputs",
        "name",
        "retainOnDelete",
        "type",
      ]);
    }
  });

  test("without --nic the subnet is a placeholder and the plan says so", async () => {
    const r = await run(["plan", "--azure-vm", VM, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).warnings.join("\n")).toMatch(/placeholder.*--nic/);
  });

  test("--set reaches the program; without --json a readable tree", async () => {
    const r = await run([
      "plan",
      "--azure-vm",
      VM,
      "--nic",
      NIC,
      "--set",
      "helperVmSize=Standard_D4s_v5",
      "--set",
      "rescueId=inc-9",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /\+ azure-native:compute:Snapshot\s+inc-9-snapshot\s+\[kept after destroy\]/,
    );
    expect(r.out).toMatch(/after: .*inc-9-nic/);
  });

  test("without --json: the triage of the bundled sample, the chosen actions with their reasons, the swap gate", async () => {
    const r = await run(["plan", "--azure-vm", VM, "--nic", NIC]);
    expect(r.code).toBe(0);
    const text = r.out.slice(r.out.indexOf("Repair of the bundled sample story"));
    expect(text).toMatch(
      /^ {2}Triage:\n {4}- 112926-9218-01\.dmp: 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M, caused by cxnetmon\.sys\+0x1a2b4/m,
    );
    // raw evidence ships no driver binaries: their versions are unknown (info), nothing blocks
    expect(text).toMatch(/^ {4}- info hyperv\.vmbus: found present \(version unknown\)/m);
    expect(text).not.toMatch(/^\s+- block /m);
    expect(text).toMatch(/^ {4}1\. DisableDriver — cxnetmon\.sys caused the crash/m);
    expect(text).toMatch(/^ {4}2\. QuarantineDriverFile — /m);
    expect(text).not.toMatch(/^ {4}\d\. RemoveDriverPackage/m);
    expect(text).toMatch(/Swap: allowed by the guest-driver check/);
    expect(text).toMatch(
      /\nModeled time to recovery: \d+ min.* via .*-repair → .*azure\.azVmRepair/,
    );
  });

  const bad: [string, () => string[], RegExp][] = [
    ["no --azure-vm", () => ["plan"], /plan needs --azure-vm/],
    [
      "missing file",
      () => ["plan", "--azure-vm", path.join(tmp, "nope.json")],
      /--azure-vm file not found/,
    ],
    [
      "invalid JSON",
      () => ["plan", "--azure-vm", writeTmp("bad.json", "{ not json")],
      /is not valid JSON/,
    ],
    [
      "a list of VMs",
      () => ["plan", "--azure-vm", writeTmp("two.json", "[{}, {}]")],
      /got a list of 2/,
    ],
    [
      "a Linux VM",
      () => {
        const vm = JSON.parse(fs.readFileSync(VM, "utf8"));
        vm.storageProfile.osDisk.osType = "Linux";
        return ["plan", "--azure-vm", writeTmp("linux.json", JSON.stringify(vm))];
      },
      /rescues Windows VMs only/,
    ],
    [
      "an unknown setting",
      () => ["plan", "--azure-vm", VM, "--set", "helperSize=x"],
      /unknown setting "helperSize"/,
    ],
    [
      "a malformed --set",
      () => ["plan", "--azure-vm", VM, "--set", "novalue"],
      /--set expects key=value/,
    ],
    [
      "a bad setting value",
      () => ["plan", "--azure-vm", VM, "--set", "copyDiskSku=Fast"],
      /copyDiskSku/,
    ],
  ];
  test.each(bad)("%s: exit 2, one clear line, no stack trace", async (_name, args, message) => {
    const r = await run(args());
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at\s/);
  });
});
