/**
 * Generated scenarios: hostile or merely unusual facts (boot files spelled every way a disk can
 * spell them, third-party boot-start drivers, packages only setupapi.dev.log names) with and
 * without operator overrides. Whatever the planner decides, no plan touches a boot file, a
 * boot-critical driver or an uncorroborated package; an operator's choice that would is refused in
 * one line naming the invariant.
 */
import fc from "fast-check";
import type { CollectOutput, ServiceFacts } from "../../collect/contract";
import type { RepairActionName } from "../../vocabulary/repairActions";
import { imagePathOnVolume } from "../../drivers/bootCritical";
import { PlanError } from "../../vocabulary/errors";
import { planRepair } from "../plan";
import type { RepairDecision, RepairOptions } from "../types";
import {
  driverService,
  fileFacts,
  sampleCollect,
  sampleTriage,
  triageOf,
} from "../../../tests/builders/facts";

const BOOT_NAMES = ["ntoskrnl.exe", "ci.dll", "winload.exe", "hal.dll", "kdcom.dll"];
const PREFIXES = [
  "\\??\\C:\\Windows\\System32\\",
  "\\SystemRoot\\System32\\",
  "%SystemRoot%\\system32\\",
  "%windir%\\System32\\",
  "C:\\Windows\\System32\\",
  "System32\\",
  "System32\\drivers\\..\\",
  "\\SystemRoot\\System32\\drivers\\.\\..\\",
];
const SUFFIXES = ["", ".", " ", ". .", "::$DATA", ":evil"];

/** An 8.3 short name: the long name's first six letters, or (hashed) two letters and four hex digits. */
const shortName = (n: string, hashed: boolean) => {
  const [base, ext] = n.split(".");
  return `${hashed ? `${base.slice(0, 2)}3F2A` : base.slice(0, 6)}~1.${ext}`;
};

const flipCase = (s: string, mask: number) =>
  [...s].map((c, i) => ((mask >> (i % 30)) & 1 ? c.toUpperCase() : c.toLowerCase())).join("");

/** A boot file's path, spelled one of the ways a hive's ImagePath can spell it. */
const bootSpelling = fc
  .record({
    name: fc.constantFrom(...BOOT_NAMES),
    prefix: fc.constantFrom(...PREFIXES),
    suffix: fc.constantFrom(...SUFFIXES),
    short: fc.constantFrom("long", "short", "hashed"),
    mask: fc.integer({ min: 0, max: 2 ** 30 - 1 }),
  })
  .map(
    ({ name, prefix, suffix, short, mask }) =>
      flipCase(prefix, mask) +
      flipCase(short === "long" ? name : shortName(name, short === "hashed"), mask >> 3) +
      suffix,
  );

/** A third-party service whose ImagePath is a boot file. */
const hostileService = fc
  .record({
    n: fc.integer({ min: 1, max: 99 }),
    path: bootSpelling,
    start: fc.constantFrom(1, 2, 3),
  })
  .map(({ n, path, start }): ServiceFacts => ({
    ...driverService(`evil${n}`, start, null, { imagePath: path }),
    file: fileFacts(imagePathOnVolume(path, `evil${n}`) ?? "Windows\\x.sys", {
      company: "Evil Corp",
      version: "1.0.0.0",
    }),
  }));

/** A third-party driver the hive makes boot-critical (boot start, a storage group, a class filter). */
const criticalThirdParty = fc.constantFrom<[string, number, string | null]>(
  ["tpboot", 0, null],
  ["tpminiport", 3, "SCSI miniport"],
  ["tpfs", 3, "Boot File System"],
  ["tpfilter", 1, null],
);

/** A boot-critical Microsoft service of the sample, spelled as an operator might. */
const criticalName = fc
  .record({
    name: fc.constantFrom("disk", "Ntfs", "storvsc", "vmbus", "volmgr", "partmgr", "ACPI"),
    mask: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ name, mask }) => flipCase(name, mask));

const actionSets = fc.subarray<RepairActionName>(
  ["DisableDriver", "QuarantineDriverFile", "RemoveDriverPackage", "CleanBoot"],
  { minLength: 1 },
);

interface Scenario {
  collect: CollectOutput;
  module: string | null;
  options: RepairOptions;
  /** The operator's choice names something protected: the plan must be refused by an invariant. */
  mustRefuse: boolean;
}

/** Actions that act on the named driver itself (its service or its file). */
const DRIVER_ACTIONS: readonly RepairActionName[] = ["DisableDriver", "QuarantineDriverFile"];

const scenario = fc
  .record({
    hostile: fc.array(hostileService, { minLength: 1, maxLength: 3 }),
    critical: criticalThirdParty,
    culprit: fc.constantFrom("hostile", "critical", "microsoft", "none"),
    override: fc.constantFrom("none", "driver", "critical-name", "actions", "remove"),
    name: criticalName,
    actions: actionSets,
    setupapiOnly: fc.boolean(),
  })
  .map((g): Scenario => {
    const collect = sampleCollect();
    const [cname, cstart, cgroup] = g.critical;
    const critical = {
      ...driverService(cname, cstart, cgroup),
      file: fileFacts(`Windows\\System32\\drivers\\${cname}.sys`, {
        company: "Contoso Storage",
        version: "2.0.0.0",
      }),
    };
    collect.services = [...collect.services, ...g.hostile, critical];
    if (cname === "tpfilter")
      collect.classFilters = [
        ...collect.classFilters,
        {
          classGuid: "{4d36e967-e325-11ce-bfc1-08002be10318}",
          className: "DiskDrive",
          upperFilters: ["tpfilter"],
          lowerFilters: [],
        },
      ];
    // setupapi.dev.log (which anything on the disk can write) names a package for a driver
    // that nothing else corroborates, installed just before the crash
    if (g.setupapiOnly)
      collect.driverInstalls = [
        ...collect.driverInstalls,
        {
          timeUtc: "2026-11-29T01:00:00Z",
          subject: "oem77.inf",
          publishedInf: "oem77.inf",
          originalInf: "ghost.inf",
          files: ["ghost.sys"],
          exitStatus: "SUCCESS",
        },
      ];
    const module =
      g.culprit === "hostile"
        ? g.hostile[0].name
        : g.culprit === "critical"
          ? `${cname}.sys`
          : g.culprit === "microsoft"
            ? "afd.sys"
            : null;
    const options: RepairOptions =
      g.override === "driver"
        ? { driver: g.hostile[0].name, actions: g.actions }
        : g.override === "critical-name"
          ? { driver: g.name, actions: g.actions }
          : g.override === "actions"
            ? { actions: g.actions }
            : g.override === "remove"
              ? { removeDriverPackage: true }
              : {};
    const actsOnDriver = g.actions.some((a) => DRIVER_ACTIONS.includes(a));
    const mustRefuse =
      // a hostile service (its ImagePath a boot file) or a boot-critical one, named by driver=
      ((g.override === "driver" || g.override === "critical-name") && actsOnDriver) ||
      // a package removal nothing corroborates (no dump here names a package's driver)
      (g.override === "remove" && (g.setupapiOnly || g.culprit !== "microsoft"));
    return { collect, module, options, mustRefuse };
  });

const INVARIANT_LINE = /^invariant (boot-file|boot-critical-driver|corroborated-identity): [^\n]+$/;

/** The services and files nothing may touch, known from how the scenario was built. */
function protectedTargets(c: CollectOutput) {
  const services = new Set(
    c.services
      .filter(
        (s) =>
          s.name.startsWith("evil") ||
          s.name.startsWith("tp") ||
          // the sample's Microsoft drivers that load at boot: boot start, file systems, volsnap
          ((s.file?.company ?? "").startsWith("Microsoft") &&
            (s.start === 0 || s.type === 2 || s.name === "volsnap")),
      )
      .map((s) => s.name.toLowerCase()),
  );
  const files = new Set(
    c.services
      .filter((s) => services.has(s.name.toLowerCase()))
      .map((s) => imagePathOnVolume(s.imagePath, s.name)?.toLowerCase())
      .filter((p): p is string => !!p),
  );
  return { services, files };
}

function assertKeepsInvariants(d: RepairDecision, c: CollectOutput): void {
  const { services, files } = protectedTargets(c);
  for (const a of d.plan.actions) {
    if (a.action === "DisableDriver")
      expect(services.has(a.args.service.toLowerCase())).toBe(false);
    if (a.action === "CleanBoot")
      for (const s of a.args.services) expect(services.has(s.toLowerCase())).toBe(false);
    if (a.action === "QuarantineDriverFile") {
      expect(files.has(a.args.path.toLowerCase())).toBe(false);
      expect(a.args.path).not.toMatch(/ntoskrnl|winload|\\ci\.dll|hal\.dll|kdcom|~1|config/i);
    }
    // no dump here names a package's driver: setupapi.dev.log timestamps, the hive's service and
    // its file never suffice for the irreversible removal
    expect(a.action).not.toBe("RemoveDriverPackage");
  }
}

describe("no plan breaks an invariant (generated scenarios)", () => {
  test("with and without operator overrides", () => {
    fc.assert(
      fc.property(scenario, ({ collect, module, options, mustRefuse }) => {
        let d: RepairDecision;
        try {
          d = planRepair({
            collect,
            triage: module === null ? [] : [triageOf(module)],
            findings: [],
            options,
          });
        } catch (e) {
          // a refusal is the invariant's, in one line naming it; only an operator's choice that
          // has nothing to act on (no culprit, no service running it) is refused otherwise
          expect(e).toBeInstanceOf(PlanError);
          const err = e as PlanError;
          expect(err.message).not.toMatch(/\n/);
          if (err.code !== "invariant-violated") {
            expect(mustRefuse).toBe(false);
            expect([err.code, err.message]).toEqual([
              "precondition-failed",
              expect.stringMatching(/: (no culprit driver|no service on the disk runs )/),
            ]);
            return;
          }
          expect(err.message).toMatch(INVARIANT_LINE);
          return;
        }
        expect(mustRefuse).toBe(false);
        assertKeepsInvariants(d, collect);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  test("an operator's choice that would break one is refused, naming the invariant", () => {
    fc.assert(
      fc.property(criticalName, actionSets, (driver, actions) => {
        let err: unknown = null;
        try {
          planRepair({
            collect: sampleCollect(),
            triage: [],
            findings: [],
            options: { driver, actions },
          });
        } catch (e) {
          err = e;
        }
        // some action sets have nothing to act on (e.g. CleanBoot alone); the driver ones must refuse
        if (actions.includes("DisableDriver") || actions.includes("QuarantineDriverFile")) {
          expect(err).toBeInstanceOf(PlanError);
          expect((err as PlanError).code).toBe("invariant-violated");
          expect((err as PlanError).message).toMatch(
            /^invariant (boot-critical-driver|boot-file): [^\n]+$/,
          );
        }
      }),
      { numRuns: 100, seed: 15 },
    );
  });

  test("the genuine sample still plans its repair", () => {
    const d = planRepair({
      collect: sampleCollect(),
      triage: sampleTriage(),
      findings: [],
      options: {},
    });
    expect(d.plan.actions.map((a) => a.action)).toEqual(["DisableDriver", "QuarantineDriverFile"]);
  });
});

describe("NT device paths (\\Device\\HarddiskVolumeN\\…) as ImagePath values and events spell them", () => {
  const onDevice = (path: string) => {
    const collect = sampleCollect();
    collect.services.push({
      ...driverService("devboot", 1, null, { imagePath: path }),
      file: fileFacts("Windows\\System32\\drivers\\devboot.sys", { company: "Contoso Ltd." }),
    });
    return collect;
  };

  test.each([
    "\\Device\\HarddiskVolume3\\Windows\\System32\\ci.dll",
    "\\Device\\HarddiskVolume2\\WINDOWS\\system32\\NTOSKRNL.EXE.",
    "\\??\\GLOBALROOT\\Device\\HarddiskVolume2\\Windows\\System32\\winload.efi",
  ])("a service whose ImagePath is %j is a boot file's: refused, whoever asked", (image) => {
    for (const actions of [["DisableDriver"], ["QuarantineDriverFile"]] as RepairActionName[][]) {
      let err: unknown = null;
      try {
        planRepair({
          collect: onDevice(image),
          triage: [],
          findings: [],
          options: { driver: "devboot", actions },
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PlanError);
      expect((err as PlanError).code).toBe("invariant-violated");
      expect((err as PlanError).message).toMatch(
        /^invariant boot-file: .* is the boot file windows\\system32\\[a-z]+\.(dll|exe|efi)$/,
      );
    }
    // the automatic choice leaves it out
    const d = planRepair({
      collect: onDevice(image),
      triage: [triageOf("devboot")],
      findings: [],
      options: {},
    });
    expect(JSON.stringify(d.plan.actions.map((a) => a.args))).not.toMatch(
      /devboot|HarddiskVolume|ci\.dll|ntoskrnl|winload/i,
    );
  });
});

describe("names as real hives hold them", () => {
  test("a service name repair.ps1 cannot take is skipped with a note, never a failure of the plan", () => {
    const collect = sampleCollect();
    collect.events = [
      {
        id: 41,
        provider: "Microsoft-Windows-Kernel-Power",
        timeCreatedUtc: "2026-11-29T06:13:20Z",
        level: 1,
        data: {},
      },
    ];
    collect.services.push(
      {
        ...driverService(".NET CLR Data", 2, null, { type: 16 }),
        file: fileFacts("Windows\\System32\\netclr.dll", { company: "Contoso Ltd." }),
      },
      {
        ...driverService("Contoso Agent Service", 2, null, { type: 16 }),
        file: fileFacts("Windows\\System32\\cxagent.exe", { company: "Contoso Ltd." }),
      },
    );
    const d = planRepair({ collect, triage: [], findings: [], options: {} });
    const clean = d.plan.actions.find((a) => a.action === "CleanBoot");
    expect(clean?.action === "CleanBoot" && clean.args.services).toEqual([
      "ContosoMonSvc",
      "cxnetmon",
    ]);
    const skipped = d.decisions.filter((x) => /^CleanBoot skips the service/.test(x.reason));
    expect(skipped.map((x) => x.reason)).toEqual([
      expect.stringContaining('".NET CLR Data"'),
      expect.stringContaining('"Contoso Agent Service"'),
    ]);
  });
});

describe("corroboration of a package removal", () => {
  const ghost = (c: CollectOutput) => {
    c.driverInstalls.push({
      timeUtc: "2026-11-29T01:00:00Z",
      subject: "oem77.inf",
      publishedInf: "oem77.inf",
      originalInf: "ghost.inf",
      files: ["ghost.sys"],
      exitStatus: "SUCCESS",
    });
    return c;
  };

  test("setupapi.dev.log alone never suffices: the operator's removal is refused naming the invariant", () => {
    let err: unknown;
    try {
      planRepair({
        collect: ghost(sampleCollect()),
        triage: [triageOf("afd.sys")],
        findings: [],
        options: { actions: ["RemoveDriverPackage"] },
      });
    } catch (e) {
      err = e;
    }
    expect((err as PlanError).message).toMatch(
      /^invariant corroborated-identity: RemoveDriverPackage oem77\.inf: .*setupapi\.dev\.log alone/,
    );
  });

  test("automatically: the reversible action instead, and the plan says why", () => {
    const c = ghost(sampleCollect());
    c.driverInstalls = c.driverInstalls.filter((i) => i.publishedInf !== "oem42.inf");
    const d = planRepair({ collect: c, triage: [triageOf("afd.sys")], findings: [], options: {} });
    expect(d.plan.actions.map((a) => a.action)).toEqual(["SetSafeBoot"]);
    expect(d.decisions.map((x) => x.reason).join("\n")).toMatch(
      /oem77\.inf is the last third-party driver package .*not removed: oem77\.inf \(ghost\.sys\) rests on setupapi\.dev\.log alone/,
    );
  });

  test("the dump, the hive's service and the file agree on the sample's package: it may be removed", () => {
    const d = planRepair({
      collect: sampleCollect(),
      triage: sampleTriage(),
      findings: [],
      options: { removeDriverPackage: true },
    });
    expect(d.plan.actions.map((a) => a.action)).toContain("RemoveDriverPackage");
  });
});
