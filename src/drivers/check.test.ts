import { blocksSwap, checkGuestDrivers, inferCloud, summarizeFindings } from "./check";
import type { DriverFinding } from "./types";
import {
  awsInstance,
  driver,
  inboxHyperVDrivers,
  inventory,
  sampleAzureVm,
} from "../../tests/builders/inventories";

const serious = (f: DriverFinding[]) => f.filter((x) => x.severity !== "info");
const byComponent = (f: DriverFinding[], c: string) => f.filter((x) => x.component === c);

describe("the sample story on Azure (app-vm-01, WS2019 17763.6414)", () => {
  const findings = checkGuestDrivers(sampleAzureVm(), { cloud: "azure" });

  test("has no warn or block finding and does not block the swap", () => {
    expect(serious(findings)).toEqual([]);
    expect(blocksSwap(findings)).toBe(false);
    expect(summarizeFindings(findings)).toMatch(/nothing blocks|do not block/);
  });

  test("does not flag the third-party NDIS filter cxnetmon (that is triage's job)", () => {
    expect(findings.some((f) => /cxnetmon/.test(JSON.stringify(f)))).toBe(false);
  });
});

describe("Azure", () => {
  test("guest agent 2.7.41491.1009 is a warning with the minimum and its source", () => {
    const collect = sampleAzureVm();
    collect.guest.azureGuestAgent = { version: "2.7.41491.1009", source: "registry" };
    const [f, ...rest] = serious(checkGuestDrivers(collect, { cloud: "azure" }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      component: "azure.guestAgent",
      found: "2.7.41491.1009",
      required: "≥ 2.7.41491.1010",
      severity: "warn",
    });
    expect(f.source).toMatch(/support-extensions-agent-version\.md/);
    expect(blocksSwap([f])).toBe(false);
  });

  test("a missing guest agent is only information", () => {
    const collect = sampleAzureVm();
    collect.guest.azureGuestAgent = null;
    const f = byComponent(checkGuestDrivers(collect, { cloud: "azure" }), "azure.guestAgent");
    expect(f).toEqual([
      expect.objectContaining({ severity: "info", found: null, required: "present" }),
    ]);
  });

  test("an unreadable agent version is reported once, as information", () => {
    const collect = sampleAzureVm();
    collect.guest.azureGuestAgent = { version: null, source: "WaAppAgent.log" };
    const f = byComponent(checkGuestDrivers(collect, { cloud: "azure" }), "azure.guestAgent");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "info", found: "present (version unknown)" });
  });

  test("storvsc with StartOverride 0=3 (left by a controller change) blocks, without an offline disable", () => {
    const collect = sampleAzureVm();
    const storvsc = collect.services.find((s) => s.name === "storvsc")!;
    storvsc.startOverride = { "0": 3 };
    const f = checkGuestDrivers(collect, { cloud: "azure" });
    expect(f[0]).toMatchObject({
      component: "hyperv.storvsc",
      severity: "block",
      found: "Start=0, StartOverride\\0=3",
    });
    expect(f[0].remedyAction).toBeUndefined();
    expect(blocksSwap(f)).toBe(true);
  });

  test("an inbox driver from another build is a warning", () => {
    const collect = sampleAzureVm();
    collect.services.find((s) => s.name === "vmbus")!.file!.version = "10.0.14393.0";
    const f = serious(checkGuestDrivers(collect, { cloud: "azure" }));
    expect(f).toEqual([
      expect.objectContaining({
        component: "hyperv.vmbus",
        severity: "warn",
        found: "10.0.14393.0",
      }),
    ]);
  });

  test("WS2016 below the upload checklist's vmstorfl/netvsc/storport minimums warns for each binary", () => {
    const services = inboxHyperVDrivers(14393, 0);
    const collect = inventory({
      os: "2016",
      services,
      guest: { azureGuestAgent: { version: "2.7.41491.1102", source: "x" } },
    });
    const f = serious(checkGuestDrivers(collect, { cloud: "azure" }));
    expect(f.map((x) => [x.component, x.required])).toEqual([
      ["hyperv.vmstorfl", "≥ 10.0.14393.2007"],
      ["hyperv.netvsc", "≥ 10.0.14393.1198"],
      ["windows.storport", "≥ 10.0.14393.1358"],
    ]);
  });

  describe("WS2012 R2 and the MSFT1000 ACPI mapping", () => {
    const ws2012r2 = (acpiEnum: string[] | null | undefined) =>
      inventory({
        os: "2012R2",
        services: inboxHyperVDrivers(9600, 18907),
        guest: {
          azureGuestAgent: { version: "2.7.41491.1102", source: "x" },
          hyperVIntegrationServices: { version: "6.3.9600.18907", hostOsMajor: 10, hostOsMinor: 0 },
        },
        acpiEnum,
      });

    test("missing MSFT1000 blocks", () => {
      const f = checkGuestDrivers(ws2012r2(["VMBus", "Hyper_V_Gen_Counter_V1"]), {
        cloud: "azure",
      });
      expect(serious(f)).toEqual([
        expect.objectContaining({
          component: "azure.acpiIds",
          severity: "block",
          required: "Enum\\ACPI\\MSFT1000 present",
        }),
      ]);
    });

    test("present MSFT1000 passes", () => {
      expect(
        serious(checkGuestDrivers(ws2012r2(["VMBus", "MSFT1000", "MSFT1002"]), { cloud: "azure" })),
      ).toEqual([]);
    });

    test("when the collect output does not list Enum\\ACPI, says it could not check", () => {
      const f = byComponent(
        checkGuestDrivers(ws2012r2(undefined), { cloud: "azure" }),
        "azure.acpiIds",
      );
      expect(f).toEqual([
        expect.objectContaining({
          severity: "info",
          reason: expect.stringMatching(/could not be checked/),
        }),
      ]);
    });

    test("does not apply to WS2016 and later", () => {
      const collect = sampleAzureVm();
      collect.acpiEnum = ["VMBus"];
      expect(byComponent(checkGuestDrivers(collect, { cloud: "azure" }), "azure.acpiIds")).toEqual(
        [],
      );
    });
  });

  test("a leftover VMware vShield filter warns and carries an offline DisableDriver", () => {
    const collect = sampleAzureVm();
    collect.services.push(
      driver("vsepflt", {
        start: 1,
        type: 2,
        group: "FSFilter Anti-Virus",
        version: "9.8.1.0",
        company: "VMware, Inc.",
      }),
    );
    const [f] = serious(checkGuestDrivers(collect, { cloud: "azure" }));
    expect(f).toMatchObject({ component: "vmware.vsepflt", severity: "warn" });
    expect(f.remedyAction).toEqual({
      action: "DisableDriver",
      args: { service: "vsepflt" },
      reason: f.reason,
    });
  });

  test("no offline disable is proposed when the filter sits in the boot storage stack", () => {
    const collect = sampleAzureVm();
    collect.services.push(
      driver("vsepflt", { start: 0, type: 2, group: "FSFilter Anti-Virus", version: "9.8.1.0" }),
    );
    const [f] = serious(checkGuestDrivers(collect, { cloud: "azure" }));
    expect(f).toMatchObject({ component: "vmware.vsepflt", severity: "warn" });
    expect(f.remedyAction).toBeUndefined();
  });

  test("a disabled vShield filter is not reported", () => {
    const collect = sampleAzureVm();
    collect.services.push(driver("vsepflt", { start: 4, version: "9.8.1.0" }));
    expect(serious(checkGuestDrivers(collect, { cloud: "azure" }))).toEqual([]);
  });

  test("an OS build outside the table is said so, and the any-OS rules still run", () => {
    const collect = sampleAzureVm();
    collect.os.build = 22631;
    collect.guest.azureGuestAgent = { version: "2.7.41491.900", source: "x" };
    const f = checkGuestDrivers(collect, { cloud: "azure" });
    expect(byComponent(f, "os")).toEqual([
      expect.objectContaining({ severity: "info", found: "build 22631" }),
    ]);
    expect(byComponent(f, "azure.guestAgent")[0].severity).toBe("warn");
  });
});

describe("AWS", () => {
  test("a current stack on a Nitro type has no warn/block finding", () => {
    for (const type of ["m5.large", "m6i.large", "t3.medium"]) {
      expect([
        type,
        serious(checkGuestDrivers(awsInstance(), { cloud: "aws", instanceType: type })),
      ]).toEqual([type, []]);
    }
  });

  test("moving to Nitro without the AWS NVMe driver blocks", () => {
    const f = checkGuestDrivers(awsInstance({ nvme: null }), {
      cloud: "aws",
      instanceType: "m5.large",
    });
    expect(serious(f)).toEqual([
      expect.objectContaining({
        component: "aws.nvme",
        severity: "block",
        found: null,
        required: "present",
      }),
    ]);
    expect(blocksSwap(f)).toBe(true);
  });

  test("moving to Nitro without ENA blocks too", () => {
    const f = serious(
      checkGuestDrivers(awsInstance({ ena: null, nvme: null }), {
        cloud: "aws",
        instanceType: "c5.xlarge",
      }),
    );
    expect(f.map((x) => [x.component, x.severity])).toEqual([
      ["aws.ena", "block"],
      ["aws.nvme", "block"],
    ]);
  });

  test("the same disk on a Xen type needs neither", () => {
    expect(
      serious(
        checkGuestDrivers(awsInstance({ ena: null, nvme: null }), {
          cloud: "aws",
          instanceType: "t2.medium",
        }),
      ),
    ).toEqual([]);
  });

  test.each([
    [{ nvmeStart: 3 }, "Start=3"],
    [{ nvmeStartOverride: { "0": 3 } }, "Start=0, StartOverride\\0=3"],
  ])(
    "an AWS NVMe driver that is not boot-start blocks on Nitro (%p), with no offline disable",
    (opts, found) => {
      const f = serious(
        checkGuestDrivers(awsInstance(opts), { cloud: "aws", instanceType: "r5.large" }),
      );
      expect(f).toEqual([
        expect.objectContaining({ component: "aws.nvme", severity: "block", found }),
      ]);
      expect(f[0].remedyAction).toBeUndefined();
    },
  );

  test.each(["2.2.4", "2.5.0"])("withdrawn ENA %s blocks when it loads at boot", (v) => {
    const f = serious(
      checkGuestDrivers(awsInstance({ ena: v }), { cloud: "aws", instanceType: "m5.large" }),
    );
    expect(f).toEqual([
      expect.objectContaining({
        component: "aws.ena",
        severity: "block",
        found: v,
        required: "not 2.2.4 or 2.5.0",
      }),
    ]);
  });

  test("withdrawn ENA that is disabled does not block", () => {
    const f = checkGuestDrivers(awsInstance({ ena: "2.2.4", enaStart: 4 }), {
      cloud: "aws",
      instanceType: "t2.medium",
    });
    expect(blocksSwap(f)).toBe(false);
  });

  test("ENA 1.5 on m6i blocks; on m5 it does not", () => {
    const m6i = serious(
      checkGuestDrivers(awsInstance({ ena: "1.5.0" }), { cloud: "aws", instanceType: "m6i.large" }),
    );
    expect(m6i[0]).toMatchObject({ component: "aws.ena", severity: "block", required: "≥ 2.0.0" });
    expect(m6i.map((x) => x.required)).toEqual(["≥ 2.0.0", "≥ 2.2.3"]);
    expect(
      serious(
        checkGuestDrivers(awsInstance({ ena: "1.5.0" }), {
          cloud: "aws",
          instanceType: "m5.large",
        }),
      ),
    ).toEqual([]);
  });

  test("ENA 2.1.5 on a 6th-generation type is a warning (needs 2.2.3)", () => {
    const f = serious(
      checkGuestDrivers(awsInstance({ ena: "2.1.5" }), {
        cloud: "aws",
        instanceType: "c6i.xlarge",
      }),
    );
    expect(f).toEqual([
      expect.objectContaining({ component: "aws.ena", severity: "warn", required: "≥ 2.2.3" }),
    ]);
  });

  test("WS2022 wants ENA 2.4.0 or later", () => {
    const f = serious(
      checkGuestDrivers(awsInstance({ os: "2022", ena: "2.2.3" }), {
        cloud: "aws",
        instanceType: "m5.large",
      }),
    );
    expect(f).toEqual([
      expect.objectContaining({ component: "aws.ena", severity: "warn", required: "≥ 2.4.0" }),
    ]);
  });

  describe("Windows Server 2025 with AWS PV", () => {
    test("on Nitro: a warning to remove the unsupported PV drivers", () => {
      const f = serious(
        checkGuestDrivers(awsInstance({ os: "2025", pv: "8.4.3" }), {
          cloud: "aws",
          instanceType: "m7i.large",
        }),
      );
      expect(f).toEqual([
        expect.objectContaining({
          component: "aws.pv",
          severity: "warn",
          required: "absent or disabled",
        }),
      ]);
    });
    test("on Xen: blocked, WS2025 does not run there", () => {
      const f = checkGuestDrivers(awsInstance({ os: "2025", pv: "8.4.3" }), {
        cloud: "aws",
        instanceType: "t2.large",
      });
      expect(f[0]).toMatchObject({
        component: "aws.instanceType",
        severity: "block",
        found: "t2.large",
      });
      expect(blocksSwap(f)).toBe(true);
    });
    test("without PV on Nitro: nothing", () => {
      expect(
        serious(
          checkGuestDrivers(awsInstance({ os: "2025", pv: null }), {
            cloud: "aws",
            instanceType: "m7i.large",
          }),
        ),
      ).toEqual([]);
    });
  });

  describe("WS2012 R2 and the AWS PV 8.4.3 pin on Xen", () => {
    const ws = (pv: string) =>
      awsInstance({ os: "2012R2", pv, launch: { kind: "EC2Config", version: "4.9.4500" } });
    test.each([
      ["7.4.3", "≥ 8.4.3"],
      ["8.5.0", "≤ 8.4.3"],
    ])("AWS PV %s warns (%s)", (pv, required) => {
      expect(
        serious(checkGuestDrivers(ws(pv), { cloud: "aws", instanceType: "m4.large" })),
      ).toEqual([expect.objectContaining({ component: "aws.pv", severity: "warn", required })]);
    });
    test("8.4.3 passes", () => {
      expect(
        serious(checkGuestDrivers(ws("8.4.3"), { cloud: "aws", instanceType: "m4.large" })),
      ).toEqual([]);
    });
  });

  test("a Xen type without any PV storage driver blocks", () => {
    const f = serious(
      checkGuestDrivers(awsInstance({ pv: null }), { cloud: "aws", instanceType: "c4.xlarge" }),
    );
    expect(f).toEqual([expect.objectContaining({ component: "aws.pv", severity: "block" })]);
  });

  test.each([
    ["2022", { kind: "EC2Launch v1", version: "1.3.2004" }, "EC2Launch v2"],
    ["2019", { kind: "EC2Config", version: "4.9.4500" }, "EC2Launch v2 or EC2Launch v1"],
    ["2012R2", { kind: "EC2Launch v1", version: "1.3.2004" }, "EC2Launch v2 or EC2Config"],
  ] as const)("on WS%s, %p is not the expected launch agent", (os, launch, required) => {
    const f = serious(
      checkGuestDrivers(awsInstance({ os, launch, ena: "2.8.0" }), {
        cloud: "aws",
        instanceType: "m5.large",
      }),
    );
    expect(f).toEqual([
      expect.objectContaining({ component: "aws.launchAgent", severity: "warn", required }),
    ]);
  });

  test("an unknown instance family warns, and Nitro rules it might need are warnings, not blocks", () => {
    const f = checkGuestDrivers(awsInstance({ nvme: null }), {
      cloud: "aws",
      instanceType: "q9z.large",
    });
    expect(blocksSwap(f)).toBe(false);
    expect(byComponent(f, "aws.instanceType")[0]).toMatchObject({
      severity: "warn",
      found: "q9z.large",
    });
    expect(byComponent(f, "aws.nvme")[0]).toMatchObject({
      severity: "warn",
      reason: expect.stringMatching(/Applies if the instance type is Nitro-based/),
    });
  });

  test("without an instance type, says which rules were skipped and does not guess", () => {
    const f = checkGuestDrivers(awsInstance({ nvme: null }), { cloud: "aws" });
    expect(f).toEqual([
      expect.objectContaining({
        component: "aws.instanceType",
        severity: "info",
        reason: expect.stringMatching(/\d+ Nitro\/Xen-specific rules were not checked/),
      }),
    ]);
  });
});

describe("Hyper-V on-premises", () => {
  const ws2012r2 = (
    ic: string | null,
    hostOsMajor: number | null = 6,
    hostOsMinor: number | null = 3,
  ) =>
    inventory({
      os: "2012R2",
      services: inboxHyperVDrivers(9600, 18907),
      guest: { hyperVIntegrationServices: { version: ic, hostOsMajor, hostOsMinor } },
    });

  test("integration services older than the host warn", () => {
    const f = serious(
      checkGuestDrivers(ws2012r2("6.2.9200.16433"), { cloud: "hyperv", hostBuild: 17763 }),
    );
    expect(f).toEqual([
      expect.objectContaining({
        component: "hyperv.integrationServices",
        severity: "warn",
        found: "6.2.9200.16433",
        required: "integration services of build ≥ 9600 (host build 17763)",
      }),
    ]);
  });

  test("2012 R2-generation ICs on a newer host are current", () => {
    expect(
      serious(checkGuestDrivers(ws2012r2("6.3.9600.18907"), { cloud: "hyperv", hostBuild: 20348 })),
    ).toEqual([]);
  });

  test("a WS2012 guest with 2012 ICs on a 2012 host is current", () => {
    const collect = inventory({
      os: "2012",
      guest: {
        hyperVIntegrationServices: { version: "6.2.9200.16433", hostOsMajor: 6, hostOsMinor: 2 },
      },
    });
    expect(serious(checkGuestDrivers(collect, { cloud: "hyperv", hostBuild: 9200 }))).toEqual([]);
  });

  test("without --host-build, the host version the guest last saw is used", () => {
    const f = serious(checkGuestDrivers(ws2012r2("6.2.9200.16433", 6, 3), { cloud: "hyperv" }));
    expect(f[0]).toMatchObject({
      severity: "warn",
      required: "integration services of build ≥ 9600 (host build 9600)",
    });
  });

  test("no recorded IC version (KVP never ran) warns", () => {
    const f = serious(checkGuestDrivers(ws2012r2(null), { cloud: "hyperv", hostBuild: 17763 }));
    expect(f).toEqual([
      expect.objectContaining({ severity: "warn", reason: expect.stringMatching(/Data Exchange/) }),
    ]);
  });

  test("no host version at all is information", () => {
    const f = checkGuestDrivers(ws2012r2("6.3.9600.18907", null, null), { cloud: "hyperv" });
    expect(f).toEqual([
      expect.objectContaining({
        component: "hyperv.integrationServices",
        severity: "info",
        required: "the host build (--host-build)",
      }),
    ]);
  });

  test("inbox ICs of a 2016+ guest are not compared with the host", () => {
    expect(
      serious(checkGuestDrivers(sampleAzureVm(), { cloud: "hyperv", hostBuild: 9600 })),
    ).toEqual([]);
  });
});

describe("ordering and summary", () => {
  test("blocking findings come first", () => {
    const f = checkGuestDrivers(
      awsInstance({
        os: "2022",
        ena: "2.2.4",
        nvme: null,
        launch: { kind: "EC2Launch v1", version: "1.3" },
      }),
      { cloud: "aws", instanceType: "m6i.large" },
    );
    const sev = f.map((x) => x.severity);
    expect(sev).toEqual(
      [...sev].sort(
        (a, b) => ["block", "warn", "info"].indexOf(a) - ["block", "warn", "info"].indexOf(b),
      ),
    );
    expect(sev[0]).toBe("block");
  });

  test("summarizeFindings gives counts and the components concerned on one line", () => {
    const f = checkGuestDrivers(awsInstance({ nvme: null, ena: "2.1.5" }), {
      cloud: "aws",
      instanceType: "m6i.large",
    });
    const line = summarizeFindings(f);
    expect(line).toBe("Guest drivers block the swap: 1 block, 1 warn, 0 info (aws.nvme, aws.ena).");
    expect(line).not.toMatch(/\n/);
    expect(summarizeFindings([])).toBe("Guest drivers: no findings; nothing blocks the swap.");
  });

  test("is pure: the input is not modified and the result is the same twice", () => {
    const collect = awsInstance({ nvme: null });
    const before = JSON.stringify(collect);
    const a = checkGuestDrivers(collect, { cloud: "aws", instanceType: "m5.large" });
    expect(checkGuestDrivers(collect, { cloud: "aws", instanceType: "m5.large" })).toEqual(a);
    expect(JSON.stringify(collect)).toBe(before);
  });
});

describe("inferCloud", () => {
  test("follows the hints, then the guest components on the disk", () => {
    expect(inferCloud(sampleAzureVm())).toBe("azure");
    expect(inferCloud(awsInstance())).toBe("aws");
    expect(inferCloud(sampleAzureVm(), { instanceType: "m5.large" })).toBe("aws");
    expect(inferCloud(awsInstance(), { hostBuild: 17763 })).toBe("hyperv");
  });
  test("is null when the disk has both clouds' components, or neither", () => {
    const both = awsInstance();
    both.guest.azureGuestAgent = sampleAzureVm().guest.azureGuestAgent;
    expect(inferCloud(both)).toBeNull();
    expect(inferCloud(inventory())).toBeNull();
  });
});
