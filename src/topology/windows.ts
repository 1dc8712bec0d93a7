/**
 * Windows Server releases as both rescue planners see them: the versions a broken machine may run,
 * their build numbers, and the helper's preferred versions (one that differs from the broken
 * machine's avoids a disk-signature collision when the copy is attached).
 */

export type WindowsServerVersion = "2012" | "2012-r2" | "2016" | "2019" | "2022" | "2025";

/** Windows build numbers of the Windows Server releases (CurrentBuildNumber). */
export const WINDOWS_SERVER_BUILDS: Record<WindowsServerVersion, number> = {
  "2012": 9200,
  "2012-r2": 9600,
  "2016": 14393,
  "2019": 17763,
  "2022": 20348,
  "2025": 26100,
};

/** Helper versions in order of preference; the first that differs from the broken VM's wins. */
export const HELPER_PREFERENCE: WindowsServerVersion[] = ["2022", "2025", "2019"];
