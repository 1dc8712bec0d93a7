import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decideRescue } from "../../repair/decide";
import { collectFromEvidence } from ".";
import { describeIf, file, fixture, missing, storyBundle } from "./testing/evidence";

const SOFTWARE = "\\Windows\\System32\\config\\SOFTWARE";
/** Keys (below SOFTWARE) and their .reg value lines. */
const KEYS: [string, string[]][] = [
  [
    "Microsoft\\Windows NT\\CurrentVersion",
    [
      '"ProductName"="Windows Server 2019 Datacenter"',
      '"CurrentBuildNumber"="17763"',
      '"UBR"=dword:0000190e',
      '"InstallationType"="Server"',
      '"EditionID"="ServerDatacenter"',
    ],
  ],
  ["Microsoft\\Virtual Machine\\Auto", ['"IntegrationServicesVersion"="10.0.17763.6054"']],
  ["Microsoft\\Virtual Machine\\Guest", ['"GuestAgentVersion"="2.7.41491.1102"']],
  [
    "Microsoft\\Virtual Machine\\Guest\\Parameters",
    ['"HostSystemOSMajor"=dword:0000000a', '"HostSystemOSMinor"=dword:00000000'],
  ],
  [
    "Microsoft\\Windows\\CurrentVersion\\Uninstall\\{C0A7-1}",
    [
      '"DisplayName"="Contoso Network Monitor"',
      '"DisplayVersion"="3.4.1"',
      '"Publisher"="Contoso Ltd."',
    ],
  ],
  ["Microsoft\\Windows\\CurrentVersion\\Uninstall\\NoName", ['"DisplayVersion"="1"']],
];

/** The .reg text, each key's parents first (hivexregedit creates a key only under an existing one). */
function regText(): string {
  const sections = new Map<string, string[]>();
  for (const [key, values] of KEYS) {
    const parts = key.split("\\");
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join("\\");
      if (!sections.has(parent)) sections.set(parent, []);
    }
    sections.set(key, values);
  }
  const body = [...sections].map(
    ([key, values]) =>
      `[HKEY_LOCAL_MACHINE\\SOFTWARE\\${key}]\n${values.map((v) => `${v}\n`).join("")}`,
  );
  return `Windows Registry Editor Version 5.00\n\n${body.join("\n")}`;
}

/**
 * A hive holding the SOFTWARE values collect reads, made by hivexregedit on a copy of a real hive
 * (the BCD fixture: a small regf Windows wrote); no hive bytes are written by hand.
 */
function softwareHive(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-software-"));
  try {
    const hive = path.join(dir, "SOFTWARE");
    fs.copyFileSync(fixture("hives", "BCD"), hive);
    fs.chmodSync(hive, 0o600);
    fs.writeFileSync(path.join(dir, "software.reg"), regText());
    execFileSync("hivexregedit", [
      "--merge",
      "--prefix",
      "HKEY_LOCAL_MACHINE\\SOFTWARE",
      "--encoding",
      "UTF-16LE",
      hive,
      path.join(dir, "software.reg"),
    ]);
    return fs.readFileSync(hive);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeIf(
  missing([fixture("hives", "BCD")], ["xz", "hivexregedit"]),
  "a SOFTWARE hive in the evidence",
  () => {
    let facts: ReturnType<typeof collectFromEvidence>;
    beforeAll(() => {
      const bundle = { ...storyBundle(), softwareHive: file(SOFTWARE, softwareHive()) };
      facts = collectFromEvidence(bundle);
    });

    test("the OS product, build and edition, each cited", () => {
      expect(facts.collect.os).toEqual({
        productName: "Windows Server 2019 Datacenter",
        build: 17763,
        ubr: 6414,
        installationType: "Server",
        editionId: "ServerDatacenter",
        architecture: "x64",
      });
      expect(facts.citations).toContainEqual({
        fact: "/os/build",
        file: SOFTWARE,
        key: "Microsoft\\Windows NT\\CurrentVersion",
        value: "CurrentBuildNumber",
      });
      expect(facts.problems.join("\n")).not.toMatch(/^(software-hive|os):/m);
    });

    test("guest components from the registry, installed programs with a name", () => {
      expect(facts.collect.guest).toMatchObject({
        azureGuestAgent: {
          version: "2.7.41491.1102",
          source: "registry:SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\GuestAgentVersion",
        },
        hyperVIntegrationServices: { version: "10.0.17763.6054", hostOsMajor: 10, hostOsMinor: 0 },
        awsPvDriver: null,
      });
      expect(facts.collect.installedPrograms).toEqual([
        { name: "Contoso Network Monitor", version: "3.4.1", publisher: "Contoso Ltd." },
      ]);
    });

    test("the driver check now knows the OS: no 'no rows for this build' finding", () => {
      const decided = decideRescue({ collect: facts.collect, cloud: "azure" });
      expect(decided.findings.map((f) => f.component)).not.toContain("os");
      expect(decided.repair.plan.actions.map((a) => a.action)).toEqual([
        "DisableDriver",
        "QuarantineDriverFile",
        "EnableEms",
      ]);
    });
  },
);
