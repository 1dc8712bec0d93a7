/**
 * Pure classification of the services found on the offline disk: which ones the machine cannot boot
 * without (the repair script refuses to disable those unless forced), which ones are Microsoft's,
 * which modules merely *report* a crash (the kernel, the HAL, the kernel debugger transport), and
 * which service a module named by triage belongs to.
 *
 * Sources: guest-drivers-and-incidents.md §2.5 (boot-critical services checked by
 * win-fix-inaccessible-boot-device.ps1), crash-triage.md §3 (0x7B: boot-start storage drivers),
 * Windows driver docs (Services\<name> Start/Type/Group values).
 */
import type { ClassFilterFacts, CollectOutput, FileFacts, ServiceFacts } from "../collect/contract";

/**
 * Services the boot path of a Windows VM depends on (storage, bus, volume, file system, crypto),
 * lower-case. The first block is guest-drivers §2.5; the rest are the inbox drivers of the same
 * storage/file-system stack (crash-triage §3, 0x7B row).
 */
export const BOOT_CRITICAL_SERVICES: readonly string[] = [
  // guest-drivers-and-incidents.md §2.5
  "acpi",
  "pci",
  "vdrvroot",
  "vmbus",
  "storvsc",
  "intelide",
  "pciide",
  "atapi",
  "storahci",
  "storport",
  "disk",
  "volmgr",
  "mountmgr",
  "partmgr",
  "volsnap",
  "stornvme",
  // the rest of the storage / volume / file-system / bus stack
  "classpnp",
  "volmgrx",
  "volume",
  "fvevol",
  "ntfs",
  "refs",
  "fastfat",
  "fltmgr",
  "ksecdd",
  "cng",
  "msisadrv",
  "acpiex",
  "wdf01000",
  "spaceport",
  "storflt",
  "vhdmp",
  // AWS boot-start storage drivers (aws-rescue.md §2.3 / §4.3)
  "xenbus",
  "xenfilt",
  "xenvbd",
  "awsnvme",
];

/** Service groups whose members load during boot and carry the boot volume. Lower-case. */
export const BOOT_CRITICAL_GROUPS: readonly string[] = [
  "boot bus extender",
  "system bus extender",
  "scsi miniport",
  "scsi port",
  "scsi class",
  "primary disk",
  "boot file system",
  "file system",
  // a third-party encryption filter cannot be switched off without making the volume unreadable
  "fsfilter encryption",
];

/**
 * Device classes whose upper/lower filters sit in the boot storage stack. A service listed as a
 * filter there cannot simply be disabled: the device stack would fail to start (0x7B). Keys are
 * lower-case class GUIDs with braces; values are the class names.
 */
export const STORAGE_CLASSES: Readonly<Record<string, string>> = {
  "{4d36e967-e325-11ce-bfc1-08002be10318}": "DiskDrive",
  "{71a27cdd-812a-11d0-bec7-00a0c91efb8b}": "Volume",
  "{4d36e97b-e325-11ce-bfc1-08002be10318}": "SCSIAdapter",
  "{4d36e96a-e325-11ce-bfc1-08002be10318}": "HDC",
  "{4d36e97d-e325-11ce-bfc1-08002be10318}": "System",
};

/** Cloud guest components a rescue must leave running: without them the VM cannot be reached. */
export const PLATFORM_SERVICES: readonly string[] = [
  "windowsazureguestagent",
  "rdagent",
  "amazonssmagent",
  "ec2launch",
  "ec2config",
  "awsliteagent",
  "ena",
  "xennet",
  "xenvif",
  "xeniface",
  "xenbus",
  "xenfilt",
  "xenvbd",
  "awsnvme",
];

export type Vendor = "microsoft" | "third-party" | "unknown";

export interface ServiceClassification {
  name: string;
  bootCritical: boolean;
  /** Why the service is boot-critical; empty when it is not. */
  bootCriticalReasons: string[];
  vendor: Vendor;
  /** The fact the vendor was read from. */
  vendorEvidence: string;
}

const MICROSOFT = /\bmicrosoft\b/i;
/** WHQL-signed third-party drivers carry this Microsoft signer; it says nothing about the author. */
const WHQL_SIGNER = /microsoft windows hardware compatibility publisher/i;

/**
 * Who made a file: the version resource's CompanyName wins (a WHQL-signed third-party driver is
 * *signed* by "Microsoft Windows Hardware Compatibility Publisher"), then ProductName, then the
 * Authenticode signer (only the Windows signer counts as Microsoft).
 */
export function vendorOf(file: FileFacts | null): { vendor: Vendor; evidence: string } {
  if (!file) return { vendor: "unknown", evidence: "no file facts for the binary" };
  if (file.company && file.company.trim()) {
    const company = file.company.trim();
    return MICROSOFT.test(company)
      ? { vendor: "microsoft", evidence: `CompanyName "${company}"` }
      : { vendor: "third-party", evidence: `CompanyName "${company}"` };
  }
  if (file.product && file.product.trim()) {
    const product = file.product.trim();
    return MICROSOFT.test(product)
      ? { vendor: "microsoft", evidence: `ProductName "${product}"` }
      : { vendor: "third-party", evidence: `ProductName "${product}"` };
  }
  if (file.signer && file.signer.trim()) {
    const signer = file.signer.trim();
    if (WHQL_SIGNER.test(signer))
      return { vendor: "third-party", evidence: `WHQL signature only ("${signer}")` };
    return MICROSOFT.test(signer)
      ? { vendor: "microsoft", evidence: `signer "${signer}"` }
      : { vendor: "third-party", evidence: `signer "${signer}"` };
  }
  return { vendor: "unknown", evidence: `no company, product or signer on ${file.path}` };
}

/**
 * True for modules that appear in nearly every dump because they raise or record the bug check
 * (ntoskrnl/ntkrnlmp/ntkrpamp, hal*.dll, the kd*.dll debugger transports): naming them is not naming
 * a culprit.
 */
export function isReporterModule(module: string): boolean {
  const m = module.trim().toLowerCase();
  return (
    /^(ntoskrnl|ntkrnl[a-z]*|ntkrpamp)(\.exe)?$/.test(m) ||
    /^hal[a-z0-9]*(\.dll)?$/.test(m) ||
    /^kd[a-z0-9]*\.dll$/.test(m) ||
    m === "kd"
  );
}

/**
 * The binary an ImagePath names, as it sits on the offline volume, relative to its root
 * ("Windows\System32\drivers\cxnetmon.sys"), or null when the path lies outside the Windows folder
 * or cannot be read. ImagePath forms: `\SystemRoot\...`, `%SystemRoot%\...`, `System32\drivers\...`
 * (relative to the Windows folder), `\??\C:\Windows\...`, `C:\Windows\...`, quoted paths with
 * arguments. Absent → `System32\drivers\<name>.sys` (the kernel's default for drivers).
 */
export function imagePathOnVolume(imagePath: string | null, serviceName: string): string | null {
  const raw =
    imagePath === null || imagePath.trim() === ""
      ? `System32\\drivers\\${serviceName}.sys`
      : imagePath;
  let p = stripArguments(raw).replace(/\//g, "\\");
  p = p.replace(/^\\\?\?\\/, "").replace(/^\\\\\?\\/, "");
  let rel: string | null = null;
  const lower = p.toLowerCase();
  if (lower.startsWith("\\systemroot\\")) rel = p.slice("\\systemroot\\".length);
  else if (lower.startsWith("%systemroot%\\")) rel = p.slice("%systemroot%\\".length);
  else if (lower.startsWith("%windir%\\")) rel = p.slice("%windir%\\".length);
  else if (/^[a-z]:\\windows\\/i.test(p)) rel = p.slice("C:\\Windows\\".length);
  else if (/^system32\\/i.test(p) || /^syswow64\\/i.test(p)) rel = p;
  if (rel === null) return null;
  const parts = rel.split("\\").filter((s) => s !== "" && s !== ".");
  if (parts.length === 0 || parts.some((s) => s === "..")) return null;
  return ["Windows", ...parts].join("\\");
}

/** Lower-case file name of the binary a service runs (`cxnetmon.sys`); `<name>.sys` when ImagePath is absent. */
export function imageBaseName(service: Pick<ServiceFacts, "name" | "imagePath">): string {
  if (service.imagePath === null || service.imagePath.trim() === "")
    return `${service.name}.sys`.toLowerCase();
  const p = stripArguments(service.imagePath).replace(/\//g, "\\");
  const parts = p.split("\\").filter((s) => s !== "");
  return (parts[parts.length - 1] ?? "").toLowerCase();
}

function stripArguments(imagePath: string): string {
  const t = imagePath.trim();
  if (t.startsWith('"')) {
    const end = t.indexOf('"', 1);
    return end > 0 ? t.slice(1, end) : t.slice(1);
  }
  const m = /^(.*?\.(?:sys|exe|dll))(?:\s|$)/i.exec(t);
  return m ? m[1] : t;
}

/** Normalises a module name from triage: lower-case, `.sys` added when it has no extension. */
export function normaliseModule(module: string): string {
  const m = module.trim().toLowerCase();
  const base = m.split(/[\\/]/).pop() ?? m;
  return base.includes(".") ? base : `${base}.sys`;
}

/** The services whose ImagePath basename is `module` (case-insensitive), sorted by name. */
export function servicesForModule(
  services: readonly ServiceFacts[],
  module: string,
): ServiceFacts[] {
  const wanted = normaliseModule(module);
  return services
    .filter((s) => imageBaseName(s) === wanted)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The service called `name` (service names are case-insensitive in Windows), or undefined. */
export function findService(
  services: readonly ServiceFacts[],
  name: string,
): ServiceFacts | undefined {
  const n = name.toLowerCase();
  return services.find((s) => s.name.toLowerCase() === n);
}

/** Storage classes (by name) that list `serviceName` as an upper or lower filter. */
export function storageClassFilterOf(
  classFilters: readonly ClassFilterFacts[],
  serviceName: string,
): string[] {
  const n = serviceName.toLowerCase();
  const hits: string[] = [];
  for (const c of classFilters) {
    const className =
      STORAGE_CLASSES[c.classGuid.toLowerCase()] ??
      Object.values(STORAGE_CLASSES).find(
        (v) => v.toLowerCase() === (c.className ?? "").toLowerCase(),
      ) ??
      null;
    if (className === null) continue;
    if (c.upperFilters.some((f) => f.toLowerCase() === n)) hits.push(`${className} UpperFilters`);
    if (c.lowerFilters.some((f) => f.toLowerCase() === n)) hits.push(`${className} LowerFilters`);
  }
  return hits;
}

/** Why `service` is needed to boot (empty when it is not). */
export function bootCriticalReasons(
  service: ServiceFacts,
  classFilters: readonly ClassFilterFacts[],
): string[] {
  const reasons: string[] = [];
  const name = service.name.toLowerCase();
  if (BOOT_CRITICAL_SERVICES.includes(name))
    reasons.push(`${service.name} is part of the boot storage/bus/file-system stack`);
  if (service.start === 0) reasons.push(`${service.name} is a boot-start driver (Start=0)`);
  const group = (service.group ?? "").trim().toLowerCase();
  if (group && BOOT_CRITICAL_GROUPS.includes(group))
    reasons.push(`${service.name} is in load-order group "${service.group}"`);
  if (service.type === 2 && !group.startsWith("fsfilter"))
    reasons.push(`${service.name} is a file-system driver (Type=2)`);
  for (const where of storageClassFilterOf(classFilters, service.name)) {
    reasons.push(`${service.name} is registered as a ${where} filter of a boot storage class`);
  }
  return reasons;
}

/** Full classification of one service. */
export function classifyService(
  service: ServiceFacts,
  classFilters: readonly ClassFilterFacts[],
): ServiceClassification {
  const reasons = bootCriticalReasons(service, classFilters);
  const { vendor, evidence } = vendorOf(service.file);
  return {
    name: service.name,
    bootCritical: reasons.length > 0,
    bootCriticalReasons: reasons,
    vendor,
    vendorEvidence: evidence,
  };
}

/**
 * Names of the boot-critical services present in the inventory, sorted. `repair.ps1` receives this
 * list and refuses to disable any of them unless forced.
 */
export function protectedServices(
  collect: Pick<CollectOutput, "services" | "classFilters">,
): string[] {
  return collect.services
    .filter((s) => bootCriticalReasons(s, collect.classFilters).length > 0)
    .map((s) => s.name)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Non-Microsoft services a clean boot disables: not boot-critical, not a cloud guest component the
 * VM needs to stay reachable, and currently starting on their own (Start 1 system or 2 automatic).
 * Services whose vendor cannot be read are left alone (the clean boot must not touch Windows).
 */
export function cleanBootServices(
  collect: Pick<CollectOutput, "services" | "classFilters">,
): string[] {
  return collect.services
    .filter((s) => s.start === 1 || s.start === 2)
    .filter((s) => !PLATFORM_SERVICES.includes(s.name.toLowerCase()))
    .filter((s) => {
      const c = classifyService(s, collect.classFilters);
      return c.vendor === "third-party" && !c.bootCritical;
    })
    .map((s) => s.name)
    .sort((a, b) => a.localeCompare(b));
}
