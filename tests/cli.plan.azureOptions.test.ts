/** `vm-rescue plan --azure-vm`: bad repair options are one line and exit 2, before anything is planned. */
import * as path from "path";
import { main, Io } from "../src/cli/main";

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const VM = path.join(EXAMPLES, "azure-vm.json");
const NIC = path.join(EXAMPLES, "azure-nic.json");

async function run(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(args, io);
  return { code, out: stdout.join(""), err: stderr.join("") };
}

describe("vm-rescue plan --azure-vm with bad repair options", () => {
  const bad: [string, string, RegExp][] = [
    [
      "script text as driver",
      'driver=x"; Remove-Item C:\\ -Recurse',
      /driver(: .* holds .*shell\/PowerShell metacharacter| .* must be a service name or driver file name)/,
    ],
    [
      "an unknown action",
      "actions=Format",
      /actions: unknown repair action\(s\) "Format"; known: DisableDriver/,
    ],
    [
      "one unknown action among known ones",
      "actions=DisableDriver,FormatC",
      /unknown repair action\(s\) "FormatC"/,
    ],
    [
      "a zero verify timeout",
      "verifyTimeoutMinutes=0",
      /verifyTimeoutMinutes must be a whole number of minutes in 1\.\.240/,
    ],
    [
      "an unknown principal type",
      "operatorPrincipalType=Robot",
      /operatorPrincipalType must be one of User, ServicePrincipal, Group/,
    ],
    [
      "an originalOsDiskId that is no disk id",
      "originalOsDiskId=app-vm-01_OsDisk_1",
      /originalOsDiskId is not an Azure resource id/,
    ],
    [
      "an originalOsDiskId other than the VM's OS disk",
      "originalOsDiskId=/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/rg-app-prod/providers/Microsoft.Compute/disks/other",
      /neither originalOsDiskId .* nor this rescue's copy/,
    ],
  ];
  test.each(bad)("%s: exit 2, one clear line, no stack trace", async (_name, setting, message) => {
    const r = await run(["plan", "--azure-vm", VM, "--nic", NIC, "--set", setting]);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at\s/);
  });

  test("good repair options still plan", async () => {
    const r = await run([
      "plan",
      "--azure-vm",
      VM,
      "--nic",
      NIC,
      "--json",
      "--set",
      "driver=cxnetmon.sys",
      "--set",
      "actions=DisableDriver",
      "--set",
      "verifyTimeoutMinutes=30",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).resources.length).toBeGreaterThan(10);
  });
});

test("a setting of the wrong type (text for a number) is one usage line, not a failure", async () => {
  const r = await run([
    "plan",
    "--azure-vm",
    VM,
    "--nic",
    NIC,
    "--set",
    "verifyTimeoutMinutes=abc",
  ]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/verifyTimeoutMinutes must be a whole number/);
  expect(r.out).toBe("");
});
