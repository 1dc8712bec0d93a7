/**
 * The state of the simulated EC2 (`simulated.ts`): plain JSON, kept in memory or in a file, with
 * the documented states of instances, volumes, attachments, snapshots and SSM commands.
 */
import * as fs from "fs";
import { fromSideBlob, mapValues, toSideBlob } from "../../steps/simulatedBlobs";

export interface SimAttachment {
  instanceId: string;
  device: string;
  state: "attaching" | "attached" | "detaching";
  /** Clock time the attachment reaches its next state. */
  until: number;
}

export interface SimInstance {
  state: "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
  until: number;
  availabilityZone: string;
  rootDeviceName: string;
  /** Device name → volume and its DeleteOnTermination. */
  devices: Record<string, { volumeId: string; deleteOnTermination: boolean }>;
  tags: Record<string, string>;
  /** A Windows instance hung in a boot loop: a stop without Force stays in `stopping`. */
  stopHangs?: boolean;
  /** Runs the SSM agent (the helper): Online while running. */
  ssmAgent?: boolean;
  /** The serial console output so far. */
  console: string;
  /** When the last start completed (the status checks pass some time after). */
  startedAt?: number;
}

export interface SimVolume {
  state: "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
  until: number;
  availabilityZone: string;
  sizeGiB: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  attachments: SimAttachment[];
  tags: Record<string, string>;
  /** Windows on this volume bug-checks at every boot (the broken root). */
  broken?: boolean;
}

export interface SimSnapshot {
  volumeId: string;
  state: "pending" | "completed" | "error";
  until: number;
  startTime: string;
  description: string;
  encrypted: boolean;
  kmsKeyId?: string;
  tags: Record<string, string>;
  /** A snapshot of a broken volume makes broken volumes. */
  broken?: boolean;
}

export interface SimCommand {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  status: "Pending" | "InProgress" | "Success" | "Failed";
  until: number;
  bucket: string;
  keyPrefix: string;
}

/** A fault planted on the next call of `op` (e.g. "AttachVolume"). */
export interface SimFault {
  op: string;
  /**
   * error: the call fails before it reaches the cloud (`code`, default InternalError).
   * kill: the call takes effect, then the process dies (the caller sees {@link SimulatedKill}).
   * hang: the call takes effect and then never answers until the caller's signal aborts it.
   */
  mode: "error" | "kill" | "hang";
  code?: string;
  /** Calls of `op` to let through first (0: the next one). */
  skip?: number;
}

export interface Ec2State {
  region: string;
  /** Milliseconds of simulated time. */
  clock: number;
  /** Counter behind new ids. */
  seq: number;
  instances: Record<string, SimInstance>;
  volumes: Record<string, SimVolume>;
  snapshots: Record<string, SimSnapshot>;
  commands: Record<string, SimCommand>;
  /** S3 objects, keyed "bucket/key". */
  objects: Record<string, string>;
  /** Binary S3 objects (the files the guest scripts ship), keyed "bucket/key", base64. */
  objectBytes?: Record<string, string>;
  /**
   * What the guest uploads when a command of this document succeeds, by document name: file name →
   * base64 bytes, each PUT to the presigned URL the command's `UploadUrls` gives for its name.
   */
  guestFiles?: Record<string, Record<string, string>>;
  /** SSM parameters the rescue made (a standby helper's claim), by name. */
  parameters?: Record<string, { value: string; version: number }>;
  /** What a command prints, by document name (default "{}"). */
  commandOutput: Record<string, string>;
  /** Documents that repair: their success mends the helper's volumes other than its root. */
  repairs: string[];
  faults: SimFault[];
  /** Every call that changed the cloud, e.g. "StopInstances i-0abc" (reads are not kept). */
  calls: string[];
}

/** Durations in ms of the simulated transitions, from the latency model's AWS figures. */
export const SIM_LATENCY_MS = {
  stop: 90_000,
  start: 120_000,
  statusChecks: 120_000,
  detach: 20_000,
  attach: 15_000,
  snapshot: 600_000,
  volume: 60_000,
  ssmReady: 120_000,
  command: 20_000,
};

/** The process died after the call reached the cloud (a simulated crash). */
export class SimulatedKill extends Error {
  constructor(op: string) {
    super(`simulated crash after ${op}`);
    this.name = "SimulatedKill";
  }
}

/** An EC2 API error as the SDK throws it: `name` and `Code` are the documented error code. */
export function apiError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: code, Code: code });
}

export function emptyState(region = "eu-west-1"): Ec2State {
  return {
    region,
    clock: 0,
    seq: 0,
    instances: {},
    volumes: {},
    snapshots: {},
    commands: {},
    objects: {},
    commandOutput: {},
    repairs: [],
    faults: [],
    calls: [],
  };
}

/** Where the state lives: in memory, or in a JSON file read before and written after each call. */
export interface Ec2Store {
  load(): Ec2State;
  save(s: Ec2State): void;
}

export function memoryStore(state: Ec2State): Ec2Store {
  return { load: () => state, save: () => undefined };
}

/** The state with its large payloads swapped by `f` (a copy: `s` is not changed). */
function withPayloads(s: Ec2State, f: (v: string, place: string) => string): Ec2State {
  return {
    ...s,
    ...(s.objectBytes && {
      objectBytes: mapValues(s.objectBytes, (v, k) => f(v, `objectBytes\0${k}`)),
    }),
    ...(s.guestFiles && {
      guestFiles: mapValues(s.guestFiles, (d, doc) =>
        mapValues(d, (v, k) => f(v, `guestFiles\0${doc}\0${k}`)),
      ),
    }),
  };
}

export function fileStore(file: string): Ec2Store {
  // The text last read from or written to the file by this store: a call that changed nothing
  // (a describe) writes nothing.
  let known: string | undefined;
  return {
    load: () => {
      known = fs.readFileSync(file, "utf8");
      return withPayloads(JSON.parse(known) as Ec2State, fromSideBlob.bind(null, file));
    },
    save: (s) => {
      const text = JSON.stringify(withPayloads(s, toSideBlob.bind(null, file)), null, 1);
      if (text === known) return;
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      known = text;
    },
  };
}

export function writeState(file: string, s: Ec2State): void {
  fileStore(file).save(s);
}
export function readState(file: string): Ec2State {
  return fileStore(file).load();
}

export const tagList = (t: Record<string, string>) =>
  Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
export const tagsOf = (specs: unknown, type: string): Record<string, string> => {
  const spec = (
    (specs ?? []) as { ResourceType?: string; Tags?: { Key: string; Value: string }[] }[]
  ).find((x) => x.ResourceType === type);
  return Object.fromEntries((spec?.Tags ?? []).map((t) => [t.Key, t.Value ?? ""]));
};

/** EC2 filters: `Name` with `Values`, a value matches any of them; `tag:<key>` reads tags. */
export type Filter = { Name: string; Values: string[] };
export function matches(
  filters: Filter[] | undefined,
  field: (name: string) => string | undefined,
) {
  return (filters ?? []).every((f) => f.Values.includes(field(f.Name) ?? "\u0000"));
}
