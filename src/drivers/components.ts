/**
 * What the collect output says about one component of the table: a guest component, a service or
 * a driver file, its version and, for the EC2 launch agent, its kind.
 */
import type { CollectOutput, ServiceFacts } from "../collect/contract";
import type { ComponentMatch } from "./table";
import { findService } from "./bootCritical";

/** What the collect output says about one component. */
export interface Resolved {
  present: boolean;
  /** Version text as reported (may be unparseable), or null. */
  version: string | null;
  /** What to show as "found". */
  display: string | null;
  service: ServiceFacts | null;
  launchKind: string | null;
}

/** Finds the component a row matches on the disk. */
export function resolve(collect: CollectOutput, match: ComponentMatch | undefined): Resolved {
  const none: Resolved = {
    present: false,
    version: null,
    display: null,
    service: null,
    launchKind: null,
  };
  if (!match) return none;
  const guest = match.guest ? collect.guest[match.guest] : null;
  let service: ServiceFacts | null = null;
  if (match.service) service = findService(collect.services, match.service) ?? null;
  if (!service && match.driverFile) {
    const file = match.driverFile;
    service =
      collect.services.find(
        (s) => eq(baseName(s.file?.path), file) || eq(baseName(s.imagePath), file),
      ) ?? null;
  }
  if (service?.file && service.file.exists === false && !guest) service = null;
  const launchKind: string | null =
    match.guest === "ec2Launch" ? (collect.guest.ec2Launch?.kind ?? null) : null;
  const guestVersion: string | null = guest ? (guest as { version: string | null }).version : null;
  const version = guestVersion ?? service?.file?.version ?? null;
  const present = guest != null || service != null;
  const display = !present
    ? null
    : launchKind
      ? `${launchKind}${version ? ` ${version}` : ""}`
      : (version ?? "present (version unknown)");
  return { present, version, display, service, launchKind };
}

/** Case-insensitive equality of a name that may be absent. */
export function eq(a: string | null | undefined, b: string): boolean {
  return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

function baseName(path: string | null | undefined): string | null {
  if (!path) return null;
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || null;
}
