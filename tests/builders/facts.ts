/**
 * Realistic inputs for the planner tests, built around the shared sample story: Azure VM app-vm-01
 * (Windows Server 2019, build 17763.6414, Gen2) boot-looping with 0x1000007E caused by the
 * third-party NDIS filter driver cxnetmon.sys, installed from oem42.inf two days before the first
 * crash. Every builder returns a fresh object, so tests may change what they get.
 */
import { SAMPLE_TARGET } from "../../src/evidence/facts/testing/evidence";
import type {
  CollectOutput,
  DriverInstallFacts,
  EventFacts,
  FileFacts,
  ServiceFacts,
  SetupApiLogFacts,
  TimeZoneFacts,
} from "../../src/collect/contract";
import type { TriageResult } from "../../src/triage/types";
import type { DriverFinding } from "../../src/drivers/types";
import { PlanError } from "../../src/vocabulary/errors";

const MS_SIGNER = "CN=Microsoft Windows, O=Microsoft Corporation, L=Redmond, S=Washington, C=US";

/** Version facts of a file on the offline volume; Microsoft's unless told otherwise. */
export function fileFacts(path: string, over: Partial<FileFacts> = {}): FileFacts {
  return {
    path,
    exists: true,
    version: "10.0.17763.6414",
    company: "Microsoft Corporation",
    product: "Microsoft® Windows® Operating System",
    signer: MS_SIGNER,
    lastWriteUtc: "2026-10-14T09:12:00Z",
    sizeBytes: 180224,
    ...over,
  };
}

/** An inbox kernel driver (Type 1) under System32\drivers. */
export function driverService(
  name: string,
  start: number,
  group: string | null,
  over: Partial<ServiceFacts> = {},
): ServiceFacts {
  return {
    name,
    displayName: name,
    imagePath: `System32\\drivers\\${name}.sys`,
    start,
    type: 1,
    errorControl: 1,
    group,
    startOverride: null,
    file: fileFacts(`Windows\\System32\\drivers\\${name}.sys`),
    ...over,
  };
}

/** The culprit of the sample story, exactly as collect.ps1 reports it. */
export function cxnetmonService(): ServiceFacts {
  return {
    name: "cxnetmon",
    displayName: "Contoso Network Monitor",
    imagePath: "\\SystemRoot\\System32\\drivers\\cxnetmon.sys",
    start: 1,
    type: 1,
    errorControl: 1,
    group: "NDIS",
    startOverride: null,
    file: fileFacts("Windows\\System32\\drivers\\cxnetmon.sys", {
      version: "3.4.1.0",
      company: "Contoso Ltd.",
      product: "Contoso Network Monitor",
      signer: "CN=Contoso Ltd., O=Contoso Ltd., L=Seattle, S=Washington, C=US",
      lastWriteUtc: "2026-11-27T22:05:12Z",
      sizeBytes: 94720,
    }),
  };
}

export function sampleServices(): ServiceFacts[] {
  return [
    driverService("ACPI", 0, "Core"),
    driverService("pci", 0, "Boot Bus Extender"),
    driverService("vmbus", 0, "System Bus Extender", { startOverride: { "0": 0 } }),
    driverService("storvsc", 0, "SCSI miniport"),
    driverService("disk", 0, "SCSI Class"),
    driverService("partmgr", 0, "System Bus Extender"),
    driverService("volmgr", 0, "System Bus Extender"),
    driverService("volsnap", 1, "Filter"),
    driverService("Ntfs", 0, "Boot File System", { type: 2 }),
    driverService("FltMgr", 0, "FSFilter Infrastructure", { type: 2 }),
    driverService("NDIS", 0, "NDIS Wrapper"),
    driverService("Tcpip", 0, "PNP_TDI"),
    driverService("netvsc", 3, "NDIS"),
    driverService("AFD", 1, "PNP_TDI", { type: 1 }),
    driverService("WdFilter", 0, "FSFilter Anti-Virus", { type: 2 }),
    cxnetmonService(),
    {
      name: "ContosoMonSvc",
      displayName: "Contoso Network Monitor Agent",
      imagePath: '"C:\\Program Files\\Contoso\\NetMon\\cxmonsvc.exe" -service',
      start: 2,
      type: 0x10,
      errorControl: 1,
      group: null,
      startOverride: null,
      file: fileFacts("Program Files\\Contoso\\NetMon\\cxmonsvc.exe", {
        version: "3.4.1.0",
        company: "Contoso Ltd.",
        product: "Contoso Network Monitor",
        signer: null,
      }),
    },
    {
      name: "WindowsAzureGuestAgent",
      displayName: "Windows Azure Guest Agent",
      imagePath:
        "C:\\WindowsAzure\\GuestAgent_2.7.41491.1102_2026-09-30_101010\\WindowsAzureGuestAgent.exe",
      start: 2,
      type: 0x10,
      errorControl: 1,
      group: null,
      startOverride: null,
      file: fileFacts(
        "WindowsAzure\\GuestAgent_2.7.41491.1102_2026-09-30_101010\\WindowsAzureGuestAgent.exe",
        { version: "2.7.41491.1102", product: "Microsoft Azure Guest Agent" },
      ),
    },
    {
      name: "Dhcp",
      displayName: "DHCP Client",
      imagePath: "%SystemRoot%\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
      start: 2,
      type: 0x20,
      errorControl: 1,
      group: "TDI",
      startOverride: null,
      file: fileFacts("Windows\\System32\\svchost.exe"),
    },
  ];
}

export function cxnetmonInstall(): DriverInstallFacts {
  return {
    timeUtc: "2026-11-27T22:05:10Z",
    subject:
      "Setup Import Driver Package - C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.inf",
    publishedInf: "oem42.inf",
    originalInf: "cxnetmon.inf",
    files: ["cxnetmon.sys", "cxnetmon.cat"],
    exitStatus: "SUCCESS",
  };
}

export function sampleDriverInstalls(): DriverInstallFacts[] {
  return [
    {
      timeUtc: "2026-03-02T11:40:00Z",
      subject:
        "Device Install (Hardware initiated) - VMBUS\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}\\{00000000-0000-0000-0000-000000000000}",
      publishedInf: null,
      originalInf: "wnetvsc.inf",
      files: ["netvsc.sys"],
      exitStatus: "SUCCESS",
    },
    {
      timeUtc: "2026-05-18T08:01:00Z",
      subject: "Setup Import Driver Package - C:\\Program Files\\Contoso\\Printer\\contosoprn.inf",
      publishedInf: "oem7.inf",
      originalInf: "contosoprn.inf",
      files: ["cxprn.dll"],
      exitStatus: "SUCCESS",
    },
    cxnetmonInstall(),
  ];
}

/** W. Europe Standard Time (UTC+1, daylight time UTC+2 from the last Sunday of March to the last Sunday of October), as TimeZoneInformation stores it. */
export function westEuropeTimeZone(): TimeZoneFacts {
  return {
    keyName: "W. Europe Standard Time",
    bias: -60,
    standardBias: 0,
    daylightBias: -60,
    standardStart: "00000A00000005000300000000000000",
    daylightStart: "00000300000005000200000000000000",
    activeTimeBias: -60,
    dynamicDaylightTimeDisabled: 0,
  };
}

/**
 * setupapi.dev.log of the sample story as the guest wrote it (local time, W. Europe): the sections
 * {@link sampleDriverInstalls} are parsed from, with the noise around them (boot sessions, a failed
 * hardware search, no-exit-status tails are covered by src/collect/setupapi.test.ts).
 */
export function sampleSetupApiLogText(): string {
  return [
    "[Device Install Log]",
    "     OS Version = 10.0.17763",
    "     Service Pack = 0.0",
    "     Suite = 0x0110",
    "     ProductType = 3",
    "     Architecture = amd64",
    "",
    "[BeginLog]",
    "",
    "[Boot Session: 2026/03/02 12:38:51.500]",
    "",
    ">>>  [Device Install (Hardware initiated) - VMBUS\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}\\{00000000-0000-0000-0000-000000000000}]",
    ">>>  Section start 2026/03/02 12:40:00.217",
    "     ump: Creating Install Process: DrvInst.exe 12:40:00.219",
    "     ndv: Retrieving device info...",
    "     dvi: {Build Driver List} 12:40:00.240",
    "     dvi:      Searching for hardware ID(s):",
    "     dvi:           vmbus\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}",
    "     dvi:      Created Driver Node:",
    "     dvi:           HardwareID   - VMBUS\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}",
    "     dvi:           InfName      - C:\\Windows\\System32\\DriverStore\\FileRepository\\wnetvsc.inf_amd64_3c5a1d8e2b7f9a40\\wnetvsc.inf",
    "     dvi: {Build Driver List - exit(0x00000000)} 12:40:00.262",
    "     flq:      Copying 'C:\\Windows\\System32\\DriverStore\\FileRepository\\wnetvsc.inf_amd64_3c5a1d8e2b7f9a40\\netvsc.sys' to 'C:\\Windows\\System32\\drivers\\netvsc.sys'.",
    "     dvi:      Install Device: Starting device 'VMBUS\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}\\{00000000-0000-0000-0000-000000000000}'. 12:40:00.530",
    "<<<  Section end 2026/03/02 12:40:00.561",
    "<<<  [Exit status: SUCCESS]",
    "",
    "",
    ">>>  [Setup Import Driver Package - C:\\Program Files\\Contoso\\Printer\\contosoprn.inf]",
    ">>>  Section start 2026/05/18 10:01:00.044",
    '      cmd: pnputil.exe /add-driver "C:\\Program Files\\Contoso\\Printer\\contosoprn.inf"',
    "     sto: {Setup Import Driver Package: C:\\Program Files\\Contoso\\Printer\\contosoprn.inf} 10:01:00.046",
    "     inf:      Provider: Contoso Ltd.",
    "     sto:      {Copy Driver Package: C:\\Program Files\\Contoso\\Printer\\contosoprn.inf} 10:01:00.051",
    "     sto:           Copying 'C:\\Program Files\\Contoso\\Printer\\cxprn.dll' to 'C:\\Windows\\System32\\DriverStore\\Temp\\{6a0b1c2d-3e4f-5061-7283-94a5b6c7d8e9}\\cxprn.dll'.",
    "     sto:      {Copy Driver Package: exit(0x00000000)} 10:01:00.060",
    "     idb:      {Publish Driver Package: C:\\Windows\\System32\\DriverStore\\FileRepository\\contosoprn.inf_amd64_0f1e2d3c4b5a6978\\contosoprn.inf} 10:01:00.120",
    "     cpy:           Published 'contosoprn.inf_amd64_0f1e2d3c4b5a6978\\contosoprn.inf' to 'oem7.inf'.",
    "     idb:      {Publish Driver Package: exit(0x00000000)} 10:01:00.131",
    "     sto: {Setup Import Driver Package - exit (0x00000000)} 10:01:00.140",
    "<<<  Section end 2026/05/18 10:01:00.141",
    "<<<  [Exit status: SUCCESS]",
    "",
    "",
    "[Boot Session: 2026/11/27 21:58:01.500]",
    "",
    ">>>  [Setup Import Driver Package - C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.inf]",
    ">>>  Section start 2026/11/27 23:05:10.123",
    "      cmd: pnputil.exe /add-driver C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.inf /install",
    "     sto: {Setup Import Driver Package: C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.inf} 23:05:10.125",
    "     inf:      Provider: Contoso Ltd.",
    "     inf:      Driver Version: 11/20/2026,3.4.1.0",
    "     sto:      {Copy Driver Package: C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.inf} 23:05:10.131",
    "     sto:           Copying 'C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.sys' to 'C:\\Windows\\System32\\DriverStore\\Temp\\{1d2e3f40-5162-7384-95a6-b7c8d9e0f1a2}\\cxnetmon.sys'.",
    "     sto:           Copying 'C:\\Users\\azureadmin\\Downloads\\cxnetmon-3.4.1\\cxnetmon.cat' to 'C:\\Windows\\System32\\DriverStore\\Temp\\{1d2e3f40-5162-7384-95a6-b7c8d9e0f1a2}\\cxnetmon.cat'.",
    "     sto:      {Copy Driver Package: exit(0x00000000)} 23:05:10.140",
    "     idb:      {Register Driver Package: C:\\Windows\\System32\\DriverStore\\FileRepository\\cxnetmon.inf_amd64_3f2a9c1d7b6e4a05\\cxnetmon.inf} 23:05:10.402",
    "     idb:           Created driver package object 'cxnetmon.inf_amd64_3f2a9c1d7b6e4a05' in SYSTEM database node.",
    "     idb:      {Register Driver Package: exit(0x00000000)} 23:05:10.410",
    "     cpy:           Published 'cxnetmon.inf_amd64_3f2a9c1d7b6e4a05\\cxnetmon.inf' to 'oem42.inf'.",
    "     inf:      Published Inf Path: C:\\Windows\\INF\\oem42.inf",
    "     sto: {Setup Import Driver Package - exit (0x00000000)} 23:05:10.440",
    "<<<  Section end 2026/11/27 23:05:10.441",
    "<<<  [Exit status: SUCCESS]",
    "",
  ].join("\r\n");
}

/** The shipped log of {@link sampleSetupApiLogText}, whole (no cut). */
export function sampleSetupApiLog(): SetupApiLogFacts {
  const text = sampleSetupApiLogText();
  return {
    path: "Windows\\INF\\setupapi.dev.log",
    sizeBytes: Buffer.byteLength(text, "utf8"),
    lastWriteUtc: "2026-11-27T22:05:10Z",
    offset: 0,
    truncated: false,
    text,
  };
}

/** Event 1001 (BugCheck) as Windows writes it after the reboot that follows a crash. */
export function bugcheckEvent(timeUtc: string, code: string, dumpStem: string): EventFacts {
  return {
    id: 1001,
    provider: "Microsoft-Windows-WER-SystemErrorReporting",
    timeCreatedUtc: timeUtc,
    level: 2,
    data: {
      param1: `${code} (0xffffffffc0000005, 0xfffff8052a3b1a2b, 0xffffd80c9e8f6e48, 0xffffd80c9e8f6690)`,
      param2: `C:\\Windows\\Minidump\\${dumpStem}.dmp`,
      param3: dumpStem,
    },
  };
}

export function kernelPower41(timeUtc: string): EventFacts {
  return {
    id: 41,
    provider: "Microsoft-Windows-Kernel-Power",
    timeCreatedUtc: timeUtc,
    level: 1,
    data: { BugcheckCode: "0" },
  };
}

export function sampleCollect(): CollectOutput {
  return {
    schemaVersion: 1,
    kind: "collect",
    collectedAtUtc: "2026-11-29T07:41:03Z",
    scriptVersion: "1.0.0",
    target: { ...SAMPLE_TARGET },
    os: {
      productName: "Windows Server 2019 Datacenter",
      build: 17763,
      ubr: 6414,
      installationType: "Server",
      editionId: "ServerDatacenter",
      architecture: "x64",
    },
    controlSets: { current: 1, default: 1, failed: null, lastKnownGood: 2 },
    services: sampleServices(),
    classFilters: [
      {
        classGuid: "{4d36e967-e325-11ce-bfc1-08002be10318}",
        className: "DiskDrive",
        upperFilters: ["partmgr"],
        lowerFilters: [],
      },
      {
        classGuid: "{71a27cdd-812a-11d0-bec7-00a0c91efb8b}",
        className: "Volume",
        upperFilters: ["volsnap"],
        lowerFilters: [],
      },
    ],
    guest: {
      azureGuestAgent: {
        version: "2.7.41491.1102",
        source: "WindowsAzureGuestAgent.exe FileVersion",
      },
      hyperVIntegrationServices: null,
      awsPvDriver: null,
      awsEna: null,
      awsNvme: null,
      ec2Launch: null,
    },
    installedPrograms: [
      { name: "Contoso Network Monitor", version: "3.4.1", publisher: "Contoso Ltd." },
    ],
    dumps: {
      minidumps: [
        {
          name: "112926-9218-01.dmp",
          sizeBytes: 2_621_440,
          lastWriteUtc: "2026-11-29T06:13:02Z",
          base64: null,
          truncated: true,
        },
      ],
      minidumpCount: 1,
      memoryDmp: { exists: false, sizeBytes: null, lastWriteUtc: null },
      crashControl: {
        crashDumpEnabled: 7,
        autoReboot: 1,
        dumpFile: "%SystemRoot%\\MEMORY.DMP",
        minidumpDir: "%SystemRoot%\\Minidump",
        nmiCrashDump: null,
      },
    },
    events: [
      kernelPower41("2026-11-29T06:13:20Z"),
      bugcheckEvent("2026-11-29T06:13:25Z", "0x1000007e", "112926-9218-01"),
    ],
    setupApiLog: sampleSetupApiLog(),
    timeZone: westEuropeTimeZone(),
    // what parseCollectOutput derives from setupApiLog and timeZone (a test checks they agree); the
    // planner tests change this list directly
    driverInstalls: sampleDriverInstalls(),
    bcd: {
      defaultEntry: "{default}",
      safeboot: null,
      safebootAlternateShell: false,
      bootStatusPolicy: null,
      recoveryEnabled: null,
      // as in examples/collect-output.json: the serial console is already on
      ems: true,
      bootEms: true,
    },
    pendingUpdates: { pendingXml: false, regBackPopulated: false, pendingFileRenames: false },
    volume: {
      fileSystem: "NTFS",
      sizeBytes: 136_363_110_400,
      freeBytes: 98_304_000_000,
      dirty: false,
    },
    errors: [],
  };
}

/** What triage prints for a dump that names `module` (defaults: the sample story's minidump). */
export function triageOf(module: string | null, over: Partial<TriageResult> = {}): TriageResult {
  return {
    file: "112926-9218-01.dmp",
    bugCheck: {
      code: "0x1000007E",
      name: "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M",
      // as triage reports the bundled sample dump (examples/112926-9218-01.dmp)
      parameters: [
        "0xffffffffc0000005",
        "0xfffff8051235a2b4",
        "0xffffd20c4a7e7ee8",
        "0xffffd20c4a7e7fe8",
      ],
    },
    crashTime: "2026-11-29T06:12:44Z",
    os: { build: 17763, machine: "x64" },
    causedBy:
      module === null
        ? null
        : {
            module,
            offset: "0x1a2b4",
            address: "0xfffff8051235a2b4",
            method: "bugcheck-parameter",
            evidence: [`P2 0xfffff8051235a2b4 lies in ${module}`],
          },
    drivers: 36,
    error: null,
    ...over,
  };
}

export function sampleTriage(): TriageResult[] {
  return [triageOf("cxnetmon.sys")];
}

/** A driver-check finding with an offline remedy (e.g. the NVMe boot-driver rule). */
export function findingWithRemedy(over: Partial<DriverFinding> = {}): DriverFinding {
  return {
    component: "azure.crashDump",
    found: null,
    required: "a memory dump configured",
    severity: "warn",
    reason: "CrashControl is missing: the next crash leaves no dump",
    source: "azure-rescue.md §6 (Memory dump)",
    remedy: "enable a kernel memory dump",
    remedyAction: {
      action: "EnableCrashDump",
      args: { kind: "kernel" },
      reason: "the next crash must leave a dump",
    },
    ...over,
  };
}

/** The PlanError `f` throws; fails the test when it throws nothing or something else. */
export function planErrorOf(f: () => unknown): PlanError {
  try {
    f();
  } catch (e) {
    if (e instanceof PlanError) return e;
    throw e;
  }
  throw new Error("expected a PlanError");
}
