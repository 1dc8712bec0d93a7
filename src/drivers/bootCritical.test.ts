import {
  classifyService,
  cleanBootServices,
  imageBaseName,
  imagePathOnVolume,
  isReporterModule,
  protectedServices,
  servicesForModule,
  vendorOf,
} from "./bootCritical";
import {
  cxnetmonService,
  driverService,
  fileFacts,
  sampleCollect,
} from "../../tests/builders/facts";

describe("module → service mapping by ImagePath", () => {
  const forms: [string | null, string][] = [
    ["\\SystemRoot\\System32\\drivers\\cxnetmon.sys", "cxnetmon.sys"],
    ["System32\\drivers\\CXNETMON.SYS", "cxnetmon.sys"],
    ["\\??\\C:\\Windows\\system32\\drivers\\cxnetmon.sys", "cxnetmon.sys"],
    [
      "\\SystemRoot\\System32\\DriverStore\\FileRepository\\cxnetmon.inf_amd64_5c2f0a1e7b3d9f11\\cxnetmon.sys",
      "cxnetmon.sys",
    ],
    ['"C:\\Program Files\\Contoso\\NetMon\\cxmonsvc.exe" -service', "cxmonsvc.exe"],
    ["%SystemRoot%\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p", "svchost.exe"],
    [null, "cxnetmon.sys"],
  ];
  test.each(forms)("ImagePath %s runs %s", (imagePath, expected) => {
    expect(imageBaseName({ name: "cxnetmon", imagePath })).toBe(expected);
  });

  test("a triage module name finds its service case-insensitively, whatever the ImagePath form", () => {
    const services = [
      driverService("cxnetmon", 1, "NDIS", {
        imagePath:
          "\\??\\C:\\Windows\\System32\\DriverStore\\FileRepository\\cxnetmon.inf_amd64_5c2f\\CxNetMon.sys",
      }),
      driverService("netvsc", 3, "NDIS"),
    ];
    expect(servicesForModule(services, "cxnetmon.sys").map((s) => s.name)).toEqual(["cxnetmon"]);
    expect(servicesForModule(services, "CXNETMON").map((s) => s.name)).toEqual(["cxnetmon"]);
    expect(servicesForModule(services, "tcpip.sys")).toEqual([]);
  });

  test("a service without ImagePath runs <name>.sys", () => {
    const s = driverService("cxnetmon", 1, "NDIS", { imagePath: null });
    expect(servicesForModule([s], "cxnetmon.sys")).toHaveLength(1);
  });

  test.each([
    ["\\SystemRoot\\System32\\drivers\\cxnetmon.sys", "Windows\\System32\\drivers\\cxnetmon.sys"],
    ["System32\\drivers\\cxnetmon.sys", "Windows\\System32\\drivers\\cxnetmon.sys"],
    [
      "\\??\\C:\\Windows\\System32\\drivers\\cxnetmon.sys",
      "Windows\\System32\\drivers\\cxnetmon.sys",
    ],
    [null, "Windows\\System32\\drivers\\cxnetmon.sys"],
    ["\\??\\C:\\Program Files\\Contoso\\cxnetmon.sys", null],
    ["\\SystemRoot\\System32\\..\\..\\evil.sys", null],
  ])("ImagePath %s lies on the volume at %s", (imagePath, expected) => {
    expect(imagePathOnVolume(imagePath, "cxnetmon")).toBe(expected);
  });
});

describe("boot-critical classification", () => {
  const collect = sampleCollect();

  test("the sample culprit (NDIS filter, Start=1) is third-party and not boot-critical", () => {
    const c = classifyService(cxnetmonService(), collect.classFilters);
    expect(c).toMatchObject({ name: "cxnetmon", bootCritical: false, vendor: "third-party" });
    expect(c.vendorEvidence).toContain("Contoso Ltd.");
  });

  test("the storage stack of guest-drivers §2.5 is boot-critical even when Start was changed", () => {
    const c = classifyService(driverService("storvsc", 3, null), []);
    expect(c.bootCritical).toBe(true);
    expect(c.bootCriticalReasons.join(" ")).toMatch(/boot storage/);
  });

  test.each([
    ["a boot-start driver", driverService("contosoraid", 0, null)],
    ["a SCSI miniport", driverService("contosoraid", 3, "SCSI miniport")],
    ["a file-system driver", driverService("contosofs", 3, "File System", { type: 2 })],
    ["an encryption filter", driverService("contosocrypt", 1, "FSFilter Encryption", { type: 2 })],
  ])("%s is boot-critical", (_what, s) => {
    expect(classifyService(s, []).bootCritical).toBe(true);
  });

  test("an activity-monitor minifilter (Type=2, FSFilter group, system start) is not boot-critical", () => {
    expect(
      classifyService(driverService("cxfsmon", 1, "FSFilter Activity Monitor", { type: 2 }), [])
        .bootCritical,
    ).toBe(false);
  });

  test("a third-party filter registered on the DiskDrive class is boot-critical", () => {
    const s = driverService("cxdiskflt", 3, null);
    const filters = [
      {
        classGuid: "{4D36E967-E325-11CE-BFC1-08002BE10318}",
        className: "DiskDrive",
        upperFilters: ["partmgr"],
        lowerFilters: ["cxdiskflt"],
      },
    ];
    const c = classifyService(s, filters);
    expect(c.bootCritical).toBe(true);
    expect(c.bootCriticalReasons.join(" ")).toContain("DiskDrive LowerFilters");
  });

  test("a filter of a non-storage class (keyboard) is not boot-critical", () => {
    const filters = [
      {
        classGuid: "{4d36e96b-e325-11ce-bfc1-08002be10318}",
        className: "Keyboard",
        upperFilters: ["cxkbd"],
        lowerFilters: [],
      },
    ];
    expect(classifyService(driverService("cxkbd", 3, null), filters).bootCritical).toBe(false);
  });

  test("protected services: the boot-critical names present on the disk, and only those", () => {
    const names = protectedServices(collect);
    expect(names).toEqual(
      expect.arrayContaining([
        "ACPI",
        "disk",
        "Ntfs",
        "partmgr",
        "pci",
        "storvsc",
        "vmbus",
        "volmgr",
        "volsnap",
      ]),
    );
    expect(names).not.toContain("cxnetmon");
    expect(names).not.toContain("netvsc");
    expect(names).not.toContain("stornvme");
  });
});

describe("vendor", () => {
  test("CompanyName decides; a WHQL signature does not make a driver Microsoft's", () => {
    expect(
      vendorOf(
        fileFacts("Windows\\System32\\drivers\\cxnetmon.sys", {
          company: "Contoso Ltd.",
          signer: "CN=Microsoft Windows Hardware Compatibility Publisher, O=Microsoft Corporation",
        }),
      ).vendor,
    ).toBe("third-party");
    expect(
      vendorOf(
        fileFacts("Windows\\System32\\drivers\\cxnetmon.sys", {
          company: null,
          product: null,
          signer: "CN=Microsoft Windows Hardware Compatibility Publisher, O=Microsoft Corporation",
        }),
      ).vendor,
    ).toBe("third-party");
    expect(
      vendorOf(fileFacts("Windows\\System32\\drivers\\ndis.sys", { company: null, product: null }))
        .vendor,
    ).toBe("microsoft");
    expect(vendorOf(fileFacts("Windows\\System32\\drivers\\ndis.sys")).vendor).toBe("microsoft");
  });

  test("without version resource or signer the vendor is unknown", () => {
    expect(vendorOf(null).vendor).toBe("unknown");
    expect(
      vendorOf(
        fileFacts("Windows\\System32\\drivers\\x.sys", {
          company: null,
          product: null,
          signer: null,
        }),
      ).vendor,
    ).toBe("unknown");
  });
});

describe("reporter modules", () => {
  test.each([
    "ntoskrnl.exe",
    "NTKRNLMP.EXE",
    "ntkrpamp.exe",
    "hal.dll",
    "halmacpi.dll",
    "kdcom.dll",
    "kdnet.dll",
  ])("%s only reports the crash", (m) => {
    expect(isReporterModule(m)).toBe(true);
  });
  test.each(["cxnetmon.sys", "ndis.sys", "halfway.sys", "storport.sys"])(
    "%s is not a reporter",
    (m) => {
      expect(isReporterModule(m)).toBe(false);
    },
  );
});

describe("clean boot list", () => {
  test("non-Microsoft services that start on their own, without boot-critical ones or cloud agents", () => {
    const collect = sampleCollect();
    collect.services.push(
      driverService("contosoraid", 0, "SCSI miniport", {
        file: fileFacts("Windows\\System32\\drivers\\contosoraid.sys", { company: "Contoso Ltd." }),
      }),
      driverService("ena", 1, "NDIS", {
        file: fileFacts("Windows\\System32\\drivers\\ena.sys", { company: "Amazon Inc." }),
      }),
      driverService("cxold", 4, null, {
        file: fileFacts("Windows\\System32\\drivers\\cxold.sys", { company: "Contoso Ltd." }),
      }),
    );
    expect(cleanBootServices(collect)).toEqual(["ContosoMonSvc", "cxnetmon"]);
  });
});
