import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, Io } from "../main";
import { checkGuestDrivers } from "../../drivers/check";
import {
  awsInstance,
  inboxHyperVDrivers,
  inventory,
  sampleAzureVm,
} from "../../../tests/builders/inventories";
import { EXAMPLES } from "../../../tests/helpers/paths";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-drivers-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function run(...args: string[]) {
  const io = captureIo();
  const code = await main(["check-drivers", ...args], io);
  return {
    code,
    out: io.stdout.join("\n"),
    err: io.stderr.join("\n"),
    stderrLines: io.stderr.join("").trim().split("\n"),
  };
}

describe("vm-rescue check-drivers", () => {
  test("the sample story on Azure: exit 0, nothing blocks, cloud taken from the guest agent", async () => {
    const r = await run(write("app-vm-01.json", sampleAzureVm()));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Windows Server 2019 Datacenter \(build 17763\) on azure/);
    expect(r.out).toMatch(/nothing blocks the swap/);
    expect(r.err).toBe("");
  });

  test("a Nitro move without the AWS NVMe driver: exit 4 and a BLOCK row with its remedy and source", async () => {
    const r = await run(
      write("nitro.json", awsInstance({ nvme: null })),
      "--cloud",
      "aws",
      "--instance-type",
      "m5.large",
    );
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/^BLOCK\s+aws\.nvme\s+\(absent\)\s+present$/m);
    expect(r.out).toMatch(/remedy: Install the AWS NVMe driver/);
    expect(r.out).toMatch(/source: .*aws-nvme-drivers\.md/);
    expect(r.out).toMatch(/Guest drivers block the swap: 1 block/);
  });

  test("--json prints exactly the findings array", async () => {
    const collect = awsInstance({ ena: "2.2.4" });
    const r = await run(write("ena.json", collect), "--instance-type", "m6i.large", "--json");
    expect(r.code).toBe(4);
    expect(JSON.parse(r.out)).toEqual(
      checkGuestDrivers(collect, { cloud: "aws", instanceType: "m6i.large" }),
    );
  });

  test("Hyper-V with --host-build: the cloud follows, an old IC version warns, exit 0", async () => {
    const collect = inventory({
      os: "2012R2",
      services: inboxHyperVDrivers(9600),
      guest: {
        hyperVIntegrationServices: { version: "6.2.9200.16433", hostOsMajor: 6, hostOsMinor: 2 },
      },
    });
    const r = await run(write("hv.json", collect), "--host-build", "17763");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^WARN\s+hyperv\.integrationServices\s+6\.2\.9200\.16433/m);
  });

  test("a collect output with a UTF-8 BOM (PowerShell's default) is accepted", async () => {
    const r = await run(
      write("bom.json", "\uFEFF" + JSON.stringify(sampleAzureVm())),
      "--cloud",
      "azure",
    );
    expect(r.code).toBe(0);
  });

  describe("usage errors: exit 2, one line on stderr, nothing on stdout", () => {
    test.each([
      [
        "a missing file",
        () => [path.join(dir, "nope.json")],
        /collect output file not found: .*nope\.json/,
      ],
      [
        "invalid JSON",
        () => [write("bad.json", "{ not json")],
        /collect output file .*bad\.json is not valid JSON/,
      ],
      [
        "a document that is not a collect output",
        () => [write("plan.json", { schemaVersion: 1, kind: "repairPlan", actions: [] })],
        /is not a valid collect output: invalid collect output: .*missing/,
      ],
      [
        "an unknown cloud",
        () => [write("a.json", sampleAzureVm()), "--cloud", "gcp"],
        /unknown cloud "gcp"/,
      ],
      [
        "an instance type on Azure",
        () => [write("b.json", sampleAzureVm()), "--cloud", "azure", "--instance-type", "m5.large"],
        /--instance-type is for --cloud aws/,
      ],
      [
        "a malformed instance type",
        () => [write("c.json", awsInstance()), "--instance-type", "m5 large"],
        /--instance-type must look like family\.size/,
      ],
      [
        "a host build that is not a number",
        () => [write("d.json", sampleAzureVm()), "--cloud", "hyperv", "--host-build", "ws2019"],
        /--host-build must be a Windows build number/,
      ],
      [
        "no guest components and no --cloud",
        () => [write("e.json", inventory())],
        /cannot tell the cloud.*--cloud/,
      ],
    ])("%s", async (_what, args, message) => {
      const r = await run(...args());
      expect(r.code).toBe(2);
      expect(r.stderrLines).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.out).toBe("");
    });

    test("no file at all", async () => {
      const r = await run();
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/missing required argument/);
    });
  });
});

test("the bundled sample collect output (the cxnetmon story on Azure) validates and has nothing to warn about", async () => {
  const sample = path.join(EXAMPLES, "collect-output.json");
  const r = await run(sample, "--cloud", "azure", "--json");
  expect(r.code).toBe(0);
  const findings = JSON.parse(r.out) as { severity: string }[];
  expect(findings.filter((f) => f.severity !== "info")).toEqual([]);
});
