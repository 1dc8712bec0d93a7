/**
 * The helper VM's choices that depend on the broken VM: its Windows version, its subnet, and
 * whether its size can attach a premium copy.
 */
import { PlanError } from "../vocabulary/errors";
import { HELPER_PREFERENCE, type WindowsServerVersion } from "./windows";
import type { AzureRescueOptions } from "./azureOptions";
import type { AzureRescueInput } from "./azureOptions";

/** The helper's Windows version: the image SKU's, else a preferred one unlike the source's. */
export function decideHelperVersion(
  source: WindowsServerVersion | null,
  options: AzureRescueOptions,
  warnings: string[],
): WindowsServerVersion {
  if (options.helperImageSku) {
    const m = /^(2012-r2|2016|2019|2022|2025)/.exec(options.helperImageSku.toLowerCase());
    const v = (m?.[1] ?? "2022") as WindowsServerVersion;
    if (source !== null && v === source) {
      warnings.push(
        `helperImageSku ${options.helperImageSku} is the same Windows version as the broken VM; the attached copy may come up offline with a disk-signature collision (the scripts handle it, but a different version avoids it)`,
      );
    }
    return v;
  }
  if (source === null) {
    warnings.push(
      "the broken VM's Windows version is unknown; the helper runs Windows Server 2022 and the scripts handle a disk-signature collision if one occurs",
    );
  }
  return HELPER_PREFERENCE.find((v) => v !== source) as WindowsServerVersion;
}

/** The helper's subnet: the option, else the subnet of the broken VM's primary NIC. */
export function decideSubnet(input: AzureRescueInput, options: AzureRescueOptions): string {
  if (options.subnetId) return options.subnetId;
  const configs = input.nic?.ipConfigurations ?? [];
  const primary = configs.find((c) => c.primary) ?? configs[0];
  const id = primary?.subnet?.id;
  if (!id) {
    throw new PlanError(
      "no-subnet",
      "cannot tell the helper's subnet: give the primary NIC's description (az network nic show) or set subnetId",
    );
  }
  return id;
}

/** Whether a VM size can attach premium storage (by its feature letters; unknown sizes pass). */
export function sizeSupportsPremium(size: string): boolean {
  // Premium-capable sizes carry an "s" in their feature letters (D2s_v5, E4ds_v5, F8s_v2, B2ms, DS2_v2).
  const m = /^Standard_([A-Z]+)(\d+)([a-z]*)(_v\d+)?/.exec(size);
  if (!m) return true;
  return m[3].includes("s") || /S$/.test(m[1]);
}
