/**
 * The playbook samples under examples/playbooks/: each a collect document `plan-repair` takes as it
 * is, derived by the TypeScript readers from a real SYSTEM hive changed only by
 * `hivexregedit --merge` (tools/build-playbook-samples.sh), with the sample's dump and the file
 * facts collect reports for the incident's folder. `sh tools/build-playbook-samples.sh` rewrites
 * them; here the committed documents must equal what is built (when the fixtures and hivex are
 * there) and must plan the playbook's fix (always).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CollectOutput } from "../src/collect/contract";
import { parseCollectOutput } from "../src/collect/validate";
import { collectFromEvidence } from "../src/evidence/facts";
import type { EvidenceBundle } from "../src/evidence/bundle";
import type { EvidenceFileInfo } from "../src/evidence/facts/types";
import { decideRescue, swapGate } from "../src/repair/decide";
import { writeDump } from "./builders/dumpWriter";
import { EXAMPLES, REPO_ROOT, SHARED_FIXTURES, TOOLS } from "./helpers/paths";

export const CROWDSTRIKE_SAMPLE = path.join(
  EXAMPLES,
  "playbooks",
  "crowdstrike-collect-output.json",
);

const CS = "Windows\\System32\\drivers\\CrowdStrike";
const KERNEL = 0xfffff80510a00000n;
const CSAGENT = 0xfffff80513400000n;

/** A 0x50 PAGE_FAULT_IN_NONPAGED_AREA whose faulting instruction (P3) lies in csagent.sys. */
function crowdStrikeDump(): Buffer {
  const drivers = [
    ["\\SystemRoot\\system32\\ntoskrnl.exe", KERNEL, 0xab6000],
    ["\\SystemRoot\\system32\\hal.dll", 0xfffff80510800000n, 0x6000],
    ["FLTMGR.SYS", 0xfffff80511950000n, 0x6c000],
    ["Ntfs.sys", 0xfffff80511fd0000n, 0x1d4000],
    ["csagent.sys", CSAGENT, 0x190000],
  ] as const;
  return Buffer.from(
    writeDump({
      machine: "x64",
      build: 17763,
      bugCheck: 0x50,
      // read of an invalid address (the 21st input field), from csagent.sys
      parameters: [0xffff840500000074n, 0n, CSAGENT + 0xe35a1n, 2n],
      crashTime: "2024-07-19T04:13:41Z",
      drivers: drivers.map(([name, base, size]) => ({
        name,
        base,
        size,
        checksum: 0,
        timestamp: 0,
      })),
    }),
  );
}

/** The file facts collect reports for the CrowdStrike folder: the bad 291 file and another channel. */
const CROWDSTRIKE_FILES = [
  {
    name: "C-00000291-00000000-00000032.sys",
    lastWriteUtc: "2024-07-19T04:09:00Z",
    sizeBytes: 40788,
  },
  {
    name: "C-00000285-00000000-00000013.sys",
    lastWriteUtc: "2024-07-16T11:20:31Z",
    sizeBytes: 3188,
  },
].map((f) => ({
  path: `${CS}\\${f.name}`,
  exists: true,
  version: null,
  company: null,
  product: null,
  signer: null,
  lastWriteUtc: f.lastWriteUtc,
  sizeBytes: f.sizeBytes,
}));

/** One sample: what the hive is merged into, and what collect adds that the hive cannot say. */
interface Sample {
  name: string;
  file: string;
  dump?: { name: string; bytes: () => Buffer; lastWriteUtc: string };
  /** Facts beside the hive: file facts, or the OS when the fixtures hold no SOFTWARE hive. */
  extra?: (c: CollectOutput) => Partial<CollectOutput>;
}

export const SAMPLES: Sample[] = [
  {
    name: "crowdstrike",
    file: CROWDSTRIKE_SAMPLE,
    dump: {
      name: "071924-7031-01.dmp",
      bytes: crowdStrikeDump,
      lastWriteUtc: "2024-07-19T04:13:58Z",
    },
    extra: () => ({ incidentFiles: CROWDSTRIKE_FILES }),
  },
  {
    name: "stornvme",
    file: path.join(EXAMPLES, "playbooks", "stornvme-collect-output.json"),
  },
  {
    name: "acpi-msft1000",
    file: path.join(EXAMPLES, "playbooks", "acpi-msft1000-collect-output.json"),
    // the story's OS: the fixtures hold no SOFTWARE hive of Windows Server 2012 R2
    extra: (c) => ({
      os: {
        ...c.os,
        productName: "Windows Server 2012 R2 Datacenter",
        build: 9600,
        installationType: "Server",
        editionId: "ServerDatacenter",
      },
    }),
  },
];

function build(sample: Sample, hive: Buffer, bcd: Buffer): CollectOutput {
  const bundle: EvidenceBundle = {
    route: "collect",
    systemHive: { path: "\\Windows\\System32\\config\\SYSTEM", bytes: hive },
    systemHiveLogs: [],
    softwareHive: null,
    // the real UEFI BCD store of the shared fixtures (Windows 10; no EMS, no safeboot)
    bcd: { path: "\\EFI\\Microsoft\\Boot\\BCD", bytes: bcd },
    minidumps: sample.dump
      ? [
          {
            path: `\\Windows\\Minidump\\${sample.dump.name}`,
            bytes: sample.dump.bytes(),
            lastWriteUtc: sample.dump.lastWriteUtc,
          } as EvidenceFileInfo,
        ]
      : [],
    memoryDumpBytes: null,
    systemEventLog: null,
    setupApiLog: null,
    pendingXml: null,
    disk: { partitionStyle: "GPT", generation: 2 },
    problems: [],
  };
  const facts = collectFromEvidence(bundle, { now: new Date("2026-11-30T09:00:00Z") });
  return { ...facts.collect, ...(sample.extra?.(facts.collect) ?? {}) };
}

const canBuild =
  fs.existsSync(path.join(SHARED_FIXTURES, "hives", "SYSTEM_WIN_10_1709")) &&
  ["hivexregedit", "hivexget"].every((t) => {
    try {
      execFileSync("sh", ["-c", `command -v ${t}`]);
      return true;
    } catch {
      return false;
    }
  });

(canBuild ? test : test.skip)(
  "the committed samples are what tools/build-playbook-samples.sh builds",
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "playbook-hives-"));
    try {
      execFileSync("sh", [path.join(TOOLS, "build-playbook-samples.sh"), "--hives", dir], {
        cwd: REPO_ROOT,
      });
      const bcd = fs.readFileSync(path.join(SHARED_FIXTURES, "hives", "BCD"));
      for (const sample of SAMPLES) {
        const hive = fs.readFileSync(path.join(dir, sample.name, "SYSTEM"));
        const built = `${JSON.stringify(build(sample, hive, bcd), null, 2)}\n`;
        if (process.env.VM_RESCUE_UPDATE_SAMPLES === "1") {
          fs.mkdirSync(path.dirname(sample.file), { recursive: true });
          fs.writeFileSync(sample.file, built);
        }
        expect(fs.readFileSync(sample.file, "utf8")).toBe(built);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

describe("the CrowdStrike sample", () => {
  const collect = () => parseCollectOutput(fs.readFileSync(CROWDSTRIKE_SAMPLE, "utf8"));

  test("parses, and plans the removal of its C-00000291*.sys channel files, leaving the sensor enabled", () => {
    const d = decideRescue({ collect: collect(), cloud: "azure", pinDiskNumber: false });
    expect(d.triage[0].causedBy?.module.toLowerCase()).toBe("csagent.sys");
    const actions = d.repair.plan.actions;
    expect(actions.filter((a) => a.action === "QuarantineDriverFile").map((a) => a.args)).toEqual([
      { path: `${CS}\\C-00000291-00000000-00000032.sys` },
    ]);
    expect(actions.some((a) => a.action === "DisableDriver")).toBe(false);
    expect(JSON.stringify(actions.map((a) => a.args))).not.toMatch(/csagent/i);
    expect(d.repair.playbooks.map((p) => p.id)).toEqual(["crowdstrike-channel-291"]);
    expect(d.repair.playbooks[0].source).toMatch(/guest-drivers-and-incidents\.md §4/);
    expect(d.repair.playbooks[0].keep).toEqual(["csagent"]);
  });
});

test("`vm-rescue plan-repair <the CrowdStrike sample>`, as it is, tells Azure from the disk and prints the playbook's plan (built CLI)", () => {
  const r = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, "bin", "vm-rescue.js"), "plan-repair", CROWDSTRIKE_SAMPLE, "--json"],
    { encoding: "utf8", timeout: 60_000, env: { ...process.env, CI: "1" } },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as {
    cloud: string;
    blocked: boolean;
    playbooks: { id: string; keep: string[] }[];
    plan: { actions: { action: string; args: Record<string, unknown> }[] };
  };
  expect(out.cloud).toBe("azure");
  expect(out.blocked).toBe(false);
  expect(out.playbooks.map((p) => [p.id, p.keep])).toEqual([
    ["crowdstrike-channel-291", ["csagent"]],
  ]);
  const actions = out.plan.actions;
  expect(actions.filter((a) => a.action === "QuarantineDriverFile").map((a) => a.args)).toEqual([
    { path: `${CS}\\C-00000291-00000000-00000032.sys` },
  ]);
  expect(actions.some((a) => a.action === "DisableDriver")).toBe(false);
  expect(JSON.stringify(actions.map((a) => a.args))).not.toMatch(/csagent|C-00000285/i);
});

const load = (file: string) => parseCollectOutput(fs.readFileSync(file, "utf8"));

describe("the platform-change samples", () => {
  test("stornvme: on an NVMe controller, Start=0 and StartOverride deleted in every control set, left for a person with the commands", () => {
    const d = decideRescue({
      collect: load(SAMPLES[1].file),
      cloud: "azure",
      pinDiskNumber: false,
      options: { diskController: "nvme" },
    });
    const [p] = d.repair.playbooks;
    expect(p.id).toBe("stornvme-startoverride");
    expect(p.evidence.join("\n")).toMatch(/StartOverride\\0=3/);
    expect(p.registry).toEqual(
      expect.arrayContaining([
        { op: "setDword", key: "ControlSet001\\Services\\stornvme", name: "Start", value: 0 },
        { op: "deleteKey", key: "ControlSet001\\Services\\stornvme\\StartOverride" },
      ]),
    );
    expect(p.manual.join("\n")).toMatch(
      /reg delete "HKLM\\BROKENSYSTEM\\ControlSet001\\Services\\stornvme\\StartOverride" \/f/,
    );
    // the manual steps keep the swap gate closed until a person has done them
    const gate = swapGate(d.findings, false, { leftForPerson: d.repair.leftForPerson });
    expect(gate.allowed).toBe(false);
    expect(gate.reasons).toContainEqual(
      expect.stringMatching(
        /^left for a person before the swap: playbook stornvme-startoverride: /,
      ),
    );
    expect(
      d.repair.decisions.some((x) =>
        /^Playbook stornvme-startoverride, left for a person: back up .*reg load HKLM/.test(
          x.reason,
        ),
      ),
    ).toBe(true);
    // the same disk on SCSI matches nothing
    const scsi = decideRescue({
      collect: load(SAMPLES[1].file),
      cloud: "azure",
      pinDiskNumber: false,
    });
    expect(scsi.repair.playbooks).toEqual([]);
  });

  test("ACPI\\MSFT1000: Windows Server 2012 R2 on Azure copies VMBus to MSFT1000 and the generation counter to MSFT1002", () => {
    const d = decideRescue({
      collect: load(SAMPLES[2].file),
      cloud: "azure",
      pinDiskNumber: false,
    });
    const [p] = d.repair.playbooks;
    expect(p.id).toBe("acpi-msft1000-2012r2");
    expect(p.registry).toEqual([
      {
        op: "copyKey",
        from: "ControlSet001\\Enum\\ACPI\\VMBus",
        to: "ControlSet001\\Enum\\ACPI\\MSFT1000",
      },
      {
        op: "copyKey",
        from: "ControlSet001\\Enum\\ACPI\\Hyper_V_Gen_Counter_V1",
        to: "ControlSet001\\Enum\\ACPI\\MSFT1002",
      },
    ]);
    expect(p.source).toMatch(/§5\.1/);
  });
});
