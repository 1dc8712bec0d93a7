import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, Io } from "../src/cli/main";
import { onceEach } from "./helpers/cliInProcess";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const INSTANCE = path.join(EXAMPLES, "aws-instance.json");
const VOLUMES = path.join(EXAMPLES, "aws-volumes.json");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-aws-plan-"));

function writeTmp(name: string, content: unknown): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

async function run(args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("") };
}
/** The plan depends on its command line only: a line several tests read is planned once. */
const planned = onceEach(run);

const OK = [
  "plan",
  "--aws-instance",
  INSTANCE,
  "--volumes",
  VOLUMES,
  "--set",
  "kmsGrantConfirmed=true",
];

describe("vm-rescue plan --aws-instance", () => {
  test("--json: the Azure plan's shape with aws: types, the backup first and kept", async () => {
    const r = await planned([...OK, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan).toMatchObject({
      cloud: "aws",
      stack: "app-ec2-01-rescue",
      component: { type: "vm-rescue:index:AwsWindowsRescue", name: "app-ec2-01-rescue" },
    });
    const byType = (t: string) => plan.resources.filter((x: any) => x.type === t);
    const [snapshot] = byType("aws:ebs/snapshot:Snapshot");
    expect(snapshot).toMatchObject({
      retainOnDelete: true,
      dependsOn: [],
      inputs: { volumeId: "vol-0a9b8c7d6e5f43210" },
    });
    const [copy] = byType("aws:ebs/volume:Volume");
    expect(copy).toMatchObject({
      retainOnDelete: true,
      inputs: {
        availabilityZone: "eu-west-1a",
        type: "gp3",
        iops: 3000,
        throughput: 125,
        size: 100,
        encrypted: true,
        kmsKeyId: expect.stringMatching(/^arn:aws:kms:eu-west-1:/),
      },
    });
    expect(copy.dependsOn).toContain(snapshot.name);
    expect(byType("aws:ec2/instance:Instance")[0].inputs).toMatchObject({
      associatePublicIpAddress: false,
      instanceType: "t3.medium",
    });
    for (const res of plan.resources)
      expect(res.type).toMatch(/^(aws:|vm-rescue:aws:|pulumi:providers:vm-rescue$)/);
    expect(plan.warnings.join("\n")).toMatch(/VPC endpoints/);
  }, 60_000);

  test("--set mode=inPlace: stop and detach wait for the started backup", async () => {
    const r = await run([...OK, "--set", "mode=inPlace", "--json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    const detach = plan.resources.find((x: any) => x.type === "vm-rescue:aws:RootVolumeDetach");
    expect(detach.dependsOn).toContain("app-ec2-01-rescue-snapshot");
    expect(plan.resources.filter((x: any) => x.type === "aws:ebs/volume:Volume")).toEqual([]);
  }, 60_000);

  test("the tree shows the chosen actions with their reasons and the modeled time to recovery of the mode", async () => {
    const r = await run([...OK, "--set", "mode=inPlace"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {4}1\. DisableDriver — cxnetmon\.sys caused the crash/m);
    expect(r.out).toMatch(/Swap: allowed/);
    expect(r.out).toMatch(
      /Modeled time to recovery: .* via app-ec2-01-rescue-helper → .* → app-ec2-01-rescue-verify; aws\.startEC2RescueWorkflow/,
    );
  }, 60_000);

  test("--set swap=false: copy mode plans no stop, detach or swap of the broken instance", async () => {
    const r = await run([...OK, "--set", "swap=false", "--json"]);
    expect(r.code).toBe(0);
    const types = JSON.parse(r.out).resources.map((x: any) => x.type);
    for (const t of ["RootVolumeDetach", "RootVolumeSwap", "BootVerification"])
      expect(types).not.toContain(`vm-rescue:aws:${t}`);
    // The same plan with the swap does hold them: the check above can fail.
    const swapping = await planned([...OK, "--json"]);
    const all = JSON.parse(swapping.out).resources.map((x: any) => x.type);
    expect(all).toEqual(expect.arrayContaining(["vm-rescue:aws:RootVolumeSwap"]));
  }, 60_000);

  test("the tree shows the triage of the sample's minidump, as the Azure plan does (the stack's triageSummary)", async () => {
    const r = await run(["plan", "--aws-instance", INSTANCE]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^ {2}Triage:\n {4}- 112926-9218-01\.dmp: 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M, caused by cxnetmon\.sys\+0x1a2b4/m,
    );
    const json = JSON.parse((await run(["plan", "--aws-instance", INSTANCE, "--json"])).out);
    expect(json.repair.triageSummary).toEqual([
      expect.stringMatching(/^112926-9218-01\.dmp: 0x1000007E .*cxnetmon\.sys/),
    ]);
  }, 60_000);

  test("the tree names what is kept", async () => {
    const r = await run(OK);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /aws:ebs\/snapshot:Snapshot\s+app-ec2-01-rescue-snapshot\s+\[kept after destroy\]/,
    );
  }, 60_000);

  test.each([
    [
      "an encrypted root without the KMS confirmation",
      ["plan", "--aws-instance", INSTANCE, "--volumes", VOLUMES],
      /kmsGrantConfirmed=true/,
    ],
    ["a Linux instance", null, /Windows instances only/],
    ["two instances", "two", /exactly one instance/],
    ["not describe-instances JSON", "bad", /describe-instances/],
    ["a bad mode", [...OK, "--set", "mode=sideways"], /mode "sideways" must be copy or inPlace/],
    [
      "an unknown repair action",
      [...OK, "--set", "actions=Format"],
      /actions: "Format" is not a repair action/,
    ],
    [
      "a bad target instance type",
      [...OK, "--set", "targetInstanceType=big"],
      /targetInstanceType "big" is not an EC2 instance type/,
    ],
    [
      "a bad original root volume",
      [...OK, "--set", "originalRootVolumeId=disk"],
      /originalRootVolumeId "disk" is not an EBS volume id/,
    ],
    ["both clouds", [...OK, "--azure-vm", INSTANCE], /not both/],
  ])("%s: exit 2 with one line", async (_what, args, message) => {
    const doc = JSON.parse(fs.readFileSync(INSTANCE, "utf8"));
    let argv: string[];
    if (args === null) {
      delete doc.Reservations[0].Instances[0].Platform;
      doc.Reservations[0].Instances[0].PlatformDetails = "Linux/UNIX";
      argv = ["plan", "--aws-instance", writeTmp("linux.json", doc), "--volumes", VOLUMES];
    } else if (args === "two") {
      doc.Reservations.push(doc.Reservations[0]);
      argv = ["plan", "--aws-instance", writeTmp("two.json", doc)];
    } else if (args === "bad") {
      argv = ["plan", "--aws-instance", writeTmp("bad.json", { Volumes: [] })];
    } else argv = args as string[];
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
});
