/**
 * The guest components ("integration services", cloud agents) as the evidence shows them.
 * collect.ps1 reads some versions from the registry and some from the binaries' version resources;
 * a bundle carries no binaries, so a component whose version lives only in its file is reported
 * present (its service key exists) with an unknown version, never as absent.
 */
import type { GuestComponents, ServiceFacts } from "../../collect/contract";
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
): GuestComponents {
  const unknownVersion: string[] = [];
  const find = (name: string, fact: string) => {
    const index = services.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
    if (index < 0) return false;
    log.cite(fact, { file: systemFile ?? "", key: citedKey(log, index) });
    unknownVersion.push(services[index].name);
    return true;
  };
  const azureVersion = software?.azureGuestAgentVersion ?? null;
  let azureGuestAgent: GuestComponents["azureGuestAgent"] = null;
  if (azureVersion !== null) {
    const source = "registry:SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\GuestAgentVersion";
    azureGuestAgent = { version: azureVersion, source };
  } else if (find(BY_SERVICE.azureGuestAgent, pointer("guest", "azureGuestAgent"))) {
    azureGuestAgent = { version: null, source: `service:${BY_SERVICE.azureGuestAgent}` };
  }
  const awsPv = software?.awsPvDriverVersion ?? null;
  const guest: GuestComponents = {
    azureGuestAgent,
    hyperVIntegrationServices: software?.hyperV ?? null,
    awsPvDriver: awsPv === null ? null : { version: awsPv },
    awsEna: find(BY_SERVICE.awsEna, pointer("guest", "awsEna")) ? { version: null } : null,
    awsNvme: find(BY_SERVICE.awsNvme, pointer("guest", "awsNvme")) ? { version: null } : null,
    ec2Launch: find(BY_SERVICE.ec2LaunchV2, pointer("guest", "ec2Launch"))
      ? { kind: "EC2Launch v2", version: null }
      : find(BY_SERVICE.ec2Config, pointer("guest", "ec2Launch"))
        ? { kind: "EC2Config", version: null }
        : null,
  };
  if (unknownVersion.length > 0) {
    log.problem(
      "guest",
      `versions of ${unknownVersion.join(", ")} are unknown: collect reads them from the binaries, which the evidence does not carry`,
    );
  }
  return guest;
}

/** The key a service's name was cited from (its citation was recorded when it was read). */
function citedKey(log: FactLog, index: number): string {
  const name = pointer("services", index, "name");
  return log.citations.find((c) => c.fact === name)?.key ?? "";
}
