/**
 * Simulated snapshot access, written from the Snapshots – Grant Access / Revoke Access reference:
 * a grant names the access level ("Read") and a duration in seconds (a positive int32) and answers
 * an AccessUri whose `accessSAS` reads the snapshot's bytes; revoking ends every SAS of the
 * snapshot (and succeeds when none is active); a snapshot that does not exist is HTTP 404
 * `ResourceNotFound`. A SAS that no longer reads answers 403, as Azure Storage does. The bytes of
 * a simulated snapshot are a disk image file on this machine (none: its SAS reads nothing).
 */
import { randomBytes } from "node:crypto";
import { openFileSource } from "../../evidence/disk";
import { countingSource } from "../../evidence/fromDisk";
import type { OpenedSas, SasOpener, SnapshotAccess } from "./snapshotRead";
import { readSimulatedAzure, writeSimulatedAzure, type SimulatedSnapshot } from "./simulatedFile";

export type { SimulatedSnapshot };

export type SimulatedSnapshotsState = Record<string, SimulatedSnapshot>;

const INT32_MAX = 2 ** 31 - 1;

const notFound = (id: string) =>
  Object.assign(new Error(`The Resource '${id}' was not found.`), {
    statusCode: 404,
    code: "ResourceNotFound",
  });

/**
 * The calls over a state (snapshot ids in lower case as keys); `save` runs after each change.
 * `blobUrl` is where a granted SAS points (tests put a loopback range server there).
 */
export function simulatedSnapshotAccess(
  state: SimulatedSnapshotsState,
  save: () => void = () => undefined,
  blobUrl: (snapshotId: string) => string = (id) =>
    `https://md-sim.blob.core.windows.net/${id.split("/").pop()}/abcd`,
): SnapshotAccess {
  const find = (id: string) => {
    const s = state[id.toLowerCase()];
    if (!s) throw notFound(id);
    return s;
  };
  return {
    async grantRead(snapshotId, seconds) {
      const s = find(snapshotId);
      if (!Number.isInteger(seconds) || seconds <= 0 || seconds > INT32_MAX)
        throw Object.assign(new Error(`durationInSeconds ${seconds} is not a positive int32`), {
          statusCode: 400,
          code: "InvalidParameter",
        });
      s.sas = `${blobUrl(snapshotId)}?sv=2018-03-28&sr=b&si=${randomBytes(4).toString("hex")}&sig=${randomBytes(16).toString("hex")}`;
      s.grants++;
      save();
      return s.sas;
    },
    async revoke(snapshotId) {
      const s = find(snapshotId);
      s.sas = null;
      s.revokes++;
      save();
    },
  };
}

/** Opens a SAS of the state as its snapshot's image file; a SAS not in force answers 403. */
export function simulatedSasOpener(state: () => SimulatedSnapshotsState): SasOpener {
  return async (url): Promise<OpenedSas> => {
    const label = url.split("?")[0];
    const s = Object.values(state()).find((x) => x.sas !== null && x.sas === url);
    if (!s) throw new Error(`${label} answered 403 (an expired or revoked SAS?)`);
    if (!s.image) throw new Error(`${label}: the simulated snapshot holds no disk image`);
    const file = await openFileSource(s.image);
    const counted = countingSource(file.source);
    return {
      source: counted,
      transport: () => ({ requests: counted.counters.reads, bytes: counted.counters.bytes }),
      close: () => file.close(),
    };
  };
}

/** The snapshot access of a simulated cloud file (its `snapshots` part). */
export function fileSnapshotAccess(file: string): SnapshotAccess {
  const call =
    (method: keyof SnapshotAccess) =>
    async (...args: [string, number]): Promise<string | void> => {
      const azure = readSimulatedAzure(file);
      const state = azure.snapshots ?? {};
      const access = simulatedSnapshotAccess(state, () =>
        writeSimulatedAzure(file, { ...azure, snapshots: state }),
      );
      return (access[method] as (...a: [string, number]) => Promise<string | void>)(...args);
    };
  return {
    grantRead: call("grantRead") as SnapshotAccess["grantRead"],
    revoke: call("revoke") as SnapshotAccess["revoke"],
  };
}

/** Opens the SAS URLs of a simulated cloud file. */
export const fileSasOpener = (file: string): SasOpener =>
  simulatedSasOpener(() => readSimulatedAzure(file).snapshots ?? {});
