/**
 * Playbooks for platform changes that leave the boot storage stack unbound (0x7B):
 *
 * - `stornvme-startoverride`: after a SCSI→NVMe controller move, Windows keeps
 *   `Services\stornvme\StartOverride` `0`=3 (demand start) from every SCSI boot, in all control
 *   sets. Fix: `Start=0` and delete `StartOverride` for stornvme in every `ControlSetNNN`;
 *   contingency: resize back to a SCSI size. Source: the shared reference
 *   guest-drivers-and-incidents.md §2.6 (Azure/SAP-on-Azure-Scripts-and-Utilities
 *   `Azure-NVMe-Utils/windows-manual-nvme-prepare.ps1`; MS Learn "Automate SCSI-to-NVMe conversion").
 * - `acpi-msft1000-2012r2`: an Azure host update renamed `ACPI\VMBus` → `ACPI\MSFT1000` and
 *   `ACPI\Hyper_V_Gen_Counter_V1` → `ACPI\MSFT1002`; Windows Server 2012 / 2012 R2 cannot bind.
 *   Fix: copy `Enum\ACPI\VMBus` to `MSFT1000` and `Hyper_V_Gen_Counter_V1` to `MSFT1002`
 *   (`reg copy /s`, the control set of `Select\Current`). Source: the shared reference
 *   guest-drivers-and-incidents.md §5.1 (SupportArticles-docs
 *   `windows-server-2012r2-boot-failure-platform-update.md`).
 *
 * Neither fix is a repair action repair.ps1 knows: each plan carries the edits as data and as the
 * exact offline commands, left for a person, and the swap gate stays closed by the driver check's
 * finding until they are done.
 */
import type { CollectOutput } from "../../collect/contract";
import type { DriverFinding } from "../../drivers/types";
import { findService } from "../../drivers/bootCritical";
import type { PlaybookMatch } from "./crowdstrike";
import { bootControlSets, manualSteps, type RegistryEdit } from "./registry";

export interface PlatformMatch extends PlaybookMatch {
  registry: RegistryEdit[];
}

/** stornvme left demand-start after a SCSI→NVMe move, when the disk will boot on NVMe. */
export function matchStornvme(
  collect: CollectOutput,
  target: { nvme: boolean; why: string },
): PlatformMatch | null {
  if (!target.nvme) return null;
  const s = findService(collect.services, "stornvme");
  if (!s) return null;
  const overrides = Object.entries(s.startOverride ?? {}).filter(([, v]) => v !== 0);
  if (overrides.length === 0 && s.start === 0) return null;
  const sets = bootControlSets(collect.controlSets);
  const registry: RegistryEdit[] = sets.flatMap((set): RegistryEdit[] => [
    { op: "setDword", key: `${set}\\Services\\stornvme`, name: "Start", value: 0 },
    { op: "deleteKey", key: `${set}\\Services\\stornvme\\StartOverride` },
  ]);
  return {
    id: "stornvme-startoverride",
    title: "stornvme left demand-start after a SCSI→NVMe move (0x7B)",
    source:
      "guest-drivers-and-incidents.md §2.6 (Azure-NVMe-Utils windows-manual-nvme-prepare.ps1; MS Learn Automate SCSI-to-NVMe conversion)",
    evidence: [
      target.why,
      `service stornvme: Start=${s.start ?? "absent"}${overrides.map(([k, v]) => `, StartOverride\\${k}=${v}`).join("")}`,
    ],
    proposals: [],
    manual: [
      ...manualSteps(registry, collect.target.windowsVolume),
      "or, if the VM must boot now: resize it back to a size with a SCSI controller",
    ],
    keep: ["stornvme"],
    registry,
  };
}

/** Windows Server 2012 / 2012 R2 on Azure without Enum\ACPI\MSFT1000, with VMBus to copy from. */
export function matchAcpiMsft1000(
  collect: CollectOutput,
  findings: readonly DriverFinding[],
): PlatformMatch | null {
  // the driver check's rule holds the cloud, the OS and the missing key (azure.acpi.msft1000)
  const finding = findings.find((f) => f.component === "azure.acpiIds");
  const enumKeys = collect.acpiEnum ?? [];
  const has = (id: string) => enumKeys.some((k) => k.toLowerCase() === id.toLowerCase());
  if (!finding || !has("VMBus") || has("MSFT1000")) return null;
  const set = bootControlSets(collect.controlSets)[0];
  const registry: RegistryEdit[] = [
    { op: "copyKey", from: `${set}\\Enum\\ACPI\\VMBus`, to: `${set}\\Enum\\ACPI\\MSFT1000` },
    ...(has("Hyper_V_Gen_Counter_V1") && !has("MSFT1002")
      ? [
          {
            op: "copyKey" as const,
            from: `${set}\\Enum\\ACPI\\Hyper_V_Gen_Counter_V1`,
            to: `${set}\\Enum\\ACPI\\MSFT1002`,
          },
        ]
      : []),
  ];
  return {
    id: "acpi-msft1000-2012r2",
    title:
      "ACPI\\VMBus renamed to ACPI\\MSFT1000 by an Azure host update (Windows Server 2012 / 2012 R2)",
    source:
      "guest-drivers-and-incidents.md §5.1 (SupportArticles-docs windows-server-2012r2-boot-failure-platform-update.md)",
    evidence: [
      `${collect.os.productName || "Windows"} build ${collect.os.build}`,
      `Enum\\ACPI holds ${enumKeys.filter((k) => /^(vmbus|hyper_v_gen_counter_v1|msft100[02])$/i.test(k)).join(", ")}; no MSFT1000`,
      finding.reason,
    ],
    proposals: [],
    manual: [
      ...manualSteps(registry, collect.target.windowsVolume),
      "if reg copy says Access is denied, run it as SYSTEM (a scheduled task); plan an OS upgrade: a later host update may break it again",
    ],
    keep: [],
    registry,
  };
}
