/**
 * Small, realistic collect outputs for the driver-check tests: the shared sample story
 * (app-vm-01 on Azure) and AWS / Hyper-V inventories built from the same parts.
 */
import { SAMPLE_TARGET } from "../../src/evidence/facts/testing/evidence";
import type { CollectOutput, GuestComponents, ServiceFacts } from "../../src/collect/contract";
import { OS_BUILDS, OsName } from "../../src/drivers/table";

const PRODUCT: Record<OsName, string> = {
  "2012": "Windows Server 2012 Datacenter",
  "2012R2": "Windows Server 2012 R2 Datacenter",
  "2016": "Windows Server 2016 Datacenter",
  "2019": "Windows Server 2019 Datacenter",
  "2022": "Windows Server 2022 Datacenter",
  "2025": "Windows Server 2025 Datacenter",
};

export interface DriverOptions {
  start?: number;
  startOverride?: Record<string, number> | null;
  version?: string | null;
  company?: string;
  group?: string | null;
  /** Service Type: 1 kernel driver (default), 2 file-system driver. */
  type?: number;
  /** File name in System32\drivers; defaults to `<name>.sys`. */
  file?: string;
  displayName?: string;
}

/** A kernel driver service with its resolved file, as collect.ps1 reports it. */
export function driver(name: string, o: DriverOptions = {}): ServiceFacts {
  const file = o.file ?? `${name}.sys`;
  return {
    name,
    displayName: o.displayName ?? name,
    imagePath: `\\SystemRoot\\System32\\drivers\\${file}`,
    start: o.start ?? 3,
    type: o.type ?? 1,
    errorControl: 1,
    group: o.group ?? null,
    startOverride: o.startOverride ?? null,
    file: {
      path: `Windows\\System32\\drivers\\${file}`,
      exists: true,
      // A PE FileVersion always has four numbers (VS_FIXEDFILEINFO), as the collect schema requires.
      version: o.version === undefined ? "10.0.17763.6414" : fileVersion(o.version),
      company: o.company ?? "Microsoft Corporation",
      product: "Microsoft® Windows® Operating System",
      signer: "Microsoft Windows",
      lastWriteUtc: "2024-10-08T10:12:00Z",
      sizeBytes: 120_000,
    },
  };
}

/** Inbox Hyper-V storage/network drivers of a build (2016+ numbering 10.0.<build>.<rev>). */
export function inboxHyperVDrivers(build: number, rev = 1): ServiceFacts[] {
  const v = build >= 14393 ? `10.0.${build}.${rev}` : `6.3.${build}.${rev}`;
  return [
    driver("vmbus", {
      start: 0,
      startOverride: { "0": 0 },
      version: v,
      group: "System Bus Extender",
    }),
    driver("storvsc", { start: 0, startOverride: { "0": 0 }, version: v, group: "SCSI miniport" }),
    driver("storflt", { start: 0, version: v, file: "vmstorfl.sys", group: "Storport filter" }),
    driver("netvsc", { start: 3, version: v, group: "NDIS" }),
    driver("storport", { start: 0, version: v, group: "SCSI miniport" }),
  ];
}

/** The third-party NDIS filter of the sample story (the cause of the BSOD, not a driver-check matter). */
export const CXNETMON: ServiceFacts = driver("cxnetmon", {
  start: 1,
  version: "3.4.1.0",
  company: "Contoso Ltd.",
  group: "NDIS",
  displayName: "Contoso Network Monitor",
});

const NO_GUEST: GuestComponents = {
  azureGuestAgent: null,
  hyperVIntegrationServices: null,
  awsPvDriver: null,
  awsEna: null,
  awsNvme: null,
  ec2Launch: null,
};

export interface InventoryOptions {
  os?: OsName;
  /** Overrides os: an arbitrary build number. */
  build?: number;
  services?: ServiceFacts[];
  guest?: Partial<GuestComponents>;
  acpiEnum?: string[] | null;
}

/** A complete collect output with the given OS, services and guest components. */
export function inventory(o: InventoryOptions = {}): CollectOutput {
  const os = o.os ?? "2019";
  const build = o.build ?? OS_BUILDS[os];
  const doc: CollectOutput = {
    schemaVersion: 1,
    kind: "collect",
    collectedAtUtc: "2026-11-20T08:15:00Z",
    scriptVersion: "1.0.0",
    target: { ...SAMPLE_TARGET },
    os: {
      productName: PRODUCT[os],
      build,
      ubr: 6414,
      installationType: "Server",
      editionId: "ServerDatacenter",
      architecture: "x64",
    },
    controlSets: { current: 1, default: 1, failed: null, lastKnownGood: 2 },
    services: o.services ?? [],
    classFilters: [
      {
        classGuid: "{4d36e967-e325-11ce-bfc1-08002be10318}",
        className: "DiskDrive",
        upperFilters: ["partmgr"],
        lowerFilters: [],
      },
      {
        classGuid: "{71a27cdd-812a-11d0-bec7-08002be2092f}",
        className: "Volume",
        upperFilters: ["volsnap"],
        lowerFilters: [],
      },
    ],
    guest: { ...NO_GUEST, ...o.guest },
    installedPrograms: [],
    dumps: {
      minidumps: [],
      minidumpCount: 0,
      memoryDmp: { exists: false, sizeBytes: null, lastWriteUtc: null },
      crashControl: null,
    },
    events: [],
    driverInstalls: [],
    bcd: null,
    pendingUpdates: { pendingXml: false, regBackPopulated: false, pendingFileRenames: false },
    volume: {
      fileSystem: "NTFS",
      sizeBytes: 136_365_211_648,
      freeBytes: 80_000_000_000,
      dirty: false,
    },
    errors: [],
  };
  if (o.acpiEnum !== undefined) doc.acpiEnum = o.acpiEnum;
  return doc;
}

/**
 * The shared sample story: app-vm-01 (rg-app-prod, westeurope zone 1), Windows Server 2019
 * Datacenter 17763.6414, Gen2, boot loop 0x1000007E from cxnetmon.sys; current guest agent and
 * inbox integration components.
 */
export function sampleAzureVm(): CollectOutput {
  return inventory({
    os: "2019",
    services: [...inboxHyperVDrivers(17763, 6414), CXNETMON],
    guest: {
      azureGuestAgent: {
        version: "2.7.41491.1102",
        source:
          "C:\\WindowsAzure\\GuestAgent_2.7.41491.1102_2024-05-14_120000\\WindowsAzureGuestAgent.exe",
      },
      hyperVIntegrationServices: { version: "10.0.17763.6414", hostOsMajor: 10, hostOsMinor: 0 },
    },
    acpiEnum: ["ACPI0003", "MSFT1000", "MSFT1002", "VMBus"],
  });
}

export interface AwsOptions {
  os?: OsName;
  ena?: string | null;
  enaStart?: number;
  nvme?: string | null;
  nvmeStart?: number;
  nvmeStartOverride?: Record<string, number> | null;
  pv?: string | null;
  launch?: GuestComponents["ec2Launch"];
}

/**
 * An EC2 Windows instance's disk. `null` leaves a driver out; the defaults are a current
 * Nitro-ready stack (ENA 2.8.0, AWS NVMe 1.5.1, AWS PV 8.4.3, EC2Launch v2).
 */
export function awsInstance(o: AwsOptions = {}): CollectOutput {
  const os = o.os ?? "2019";
  const ena = o.ena === undefined ? "2.8.0" : o.ena;
  const nvme = o.nvme === undefined ? "1.5.1" : o.nvme;
  const pv = o.pv === undefined ? "8.4.3" : o.pv;
  const services: ServiceFacts[] = [];
  if (ena !== null)
    services.push(
      driver("ena", {
        start: o.enaStart ?? 3,
        version: ena,
        company: "Amazon Web Services, Inc.",
        group: "NDIS",
      }),
    );
  if (nvme !== null) {
    services.push(
      driver("AWSNVMe", {
        start: o.nvmeStart ?? 0,
        startOverride: o.nvmeStartOverride ?? null,
        version: nvme,
        company: "Amazon Web Services, Inc.",
        group: "SCSI miniport",
      }),
    );
  }
  if (pv !== null) {
    services.push(driver("xenbus", { start: 0, version: pv, company: "Amazon Inc." }));
    services.push(
      driver("xenvbd", { start: 0, version: pv, company: "Amazon Inc.", group: "SCSI miniport" }),
    );
  }
  return inventory({
    os,
    services,
    guest: {
      awsEna: ena === null ? null : { version: ena },
      awsNvme: nvme === null ? null : { version: nvme },
      awsPvDriver: pv === null ? null : { version: pv },
      ec2Launch: o.launch === undefined ? { kind: "EC2Launch v2", version: "2.0.2107" } : o.launch,
    },
  });
}

/** "2.2.4" → "2.2.4.0": the four-part form a driver file's version resource carries. */
function fileVersion(v: string | null): string | null {
  if (v === null) return null;
  const parts = v.split(".");
  while (parts.length < 4) parts.push("0");
  return parts.join(".");
}
