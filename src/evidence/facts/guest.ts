/**
 * The guest components ("integration services", cloud agents) as the evidence shows them. Some
 * versions live in the SOFTWARE hive, some only in the binaries' version resources, which collect
 * lists (`binaries`, from `-FileFactPaths`) and a disk image does not carry. A component without
 * its binary's facts is reported present (its service key exists) with an unknown version, never
 * as absent.
 */
import type { GuestComponents, ServiceFacts } from "../../collect/contract";
import { GUEST_BINARY_PATHS, type BinaryFacts } from "../../collect/manifest";
import type { SoftwarePart } from "./software";
import { pointer, type FactLog } from "./types";

/** Services whose presence shows a component whose version collect reads from a file. */
const BY_SERVICE = {
  azureGuestAgent: "WindowsAzureGuestAgent",
  awsEna: "ena",
  awsNvme: "AWSNVMe",
  ec2LaunchV2: "Amazon EC2Launch",
  ec2Config: "Ec2Config",
} as const;

export function guestComponents(
  software: SoftwarePart | null,
  services: readonly ServiceFacts[],
  systemFile: string | null,
  log: FactLog,
  binaries: readonly BinaryFacts[] = [],
): GuestComponents {
  const unknownVersion: string[] = [];
  /** The version of a guest binary collect found, cited from its file. */
  const fileVersion = (which: keyof typeof GUEST_BINARY_PATHS, fact: string): string | null => {
    const wanted = GUEST_BINARY_PATHS[which].toLowerCase();
    const b = binaries.find((x) => x.path.toLowerCase() === wanted && x.exists);
    if (b === undefined || b.version === null) return null;
    log.cite(fact, { file: b.foundPath ?? b.path });
    return b.version;
  };
  const find = (name: string, fact: string) => {
    const index = services.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
    if (index < 0) return false;
    log.cite(fact, { file: systemFile ?? "", key: citedKey(log, index) });
    unknownVersion.push(services[index].name);
    return true;
  };
  const azureVersion = software?.azureGuestAgentVersion ?? null;
  const azureFile = fileVersion("azureGuestAgent", pointer("guest", "azureGuestAgent"));
  let azureGuestAgent: GuestComponents["azureGuestAgent"] = null;
  if (azureFile !== null) {
    azureGuestAgent = { version: azureFile, source: `file:${GUEST_BINARY_PATHS.azureGuestAgent}` };
  } else if (azureVersion !== null) {
    const source = "registry:SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\GuestAgentVersion";
    azureGuestAgent = { version: azureVersion, source };
  } else if (find(BY_SERVICE.azureGuestAgent, pointer("guest", "azureGuestAgent"))) {
    azureGuestAgent = { version: null, source: `service:${BY_SERVICE.azureGuestAgent}` };
  }
  const fromFileOrService = (
    which: "awsEna" | "awsNvme",
    service: string,
  ): { version: string | null } | null => {
    const version = fileVersion(which, pointer("guest", which));
    if (version !== null) return { version };
    return find(service, pointer("guest", which)) ? { version: null } : null;
  };
  const ec2Launch = (): GuestComponents["ec2Launch"] => {
    const fact = pointer("guest", "ec2Launch");
    const v2 = fileVersion("ec2LaunchV2", fact);
    if (v2 !== null) return { kind: "EC2Launch v2", version: v2 };
    if (find(BY_SERVICE.ec2LaunchV2, fact)) return { kind: "EC2Launch v2", version: null };
    const config = fileVersion("ec2Config", fact);
    if (config !== null) return { kind: "EC2Config", version: config };
    return find(BY_SERVICE.ec2Config, fact) ? { kind: "EC2Config", version: null } : null;
  };
  const awsPv = software?.awsPvDriverVersion ?? null;
  const guest: GuestComponents = {
    azureGuestAgent,
    hyperVIntegrationServices: software?.hyperV ?? null,
    awsPvDriver: awsPv === null ? null : { version: awsPv },
    awsEna: fromFileOrService("awsEna", BY_SERVICE.awsEna),
    awsNvme: fromFileOrService("awsNvme", BY_SERVICE.awsNvme),
    ec2Launch: ec2Launch(),
  };
  if (unknownVersion.length > 0) {
    log.problem(
      "guest",
      `versions of ${unknownVersion.join(", ")} are unknown: their binaries' version facts are not in the evidence`,
    );
  }
  return guest;
}

/** The key a service's name was cited from (its citation was recorded when it was read). */
function citedKey(log: FactLog, index: number): string {
  const name = pointer("services", index, "name");
  return log.citations.find((c) => c.fact === name)?.key ?? "";
}
