/**
 * A simulated Azure kept in a JSON file (`StepConfig.simulatedCloud`): the offline rescue and the
 * plugin's tests run the real steps against it. Each compute call loads the file, acts and writes it
 * back, so a process killed mid-step leaves exactly what the cloud had done, and the next call
 * resumes from that. Faults written into the file make a call fail: `error` (an API error, nothing
 * changed), `kill` (the change is made, then the call dies as a killed process would) or `hang` (the
 * change is made, the call never answers until it is aborted). Long blobs are kept beside the file
 * (`steps/simulatedBlobs.ts`): the JSON each call reads and writes stays small.
 */
import * as fs from "fs";
import * as path from "path";
import { COMPUTE_METHODS, type AzureComputeOps, type Clock } from "./operations";
import { SimulatedCompute, type SimulatedComputeState } from "./simulated";
import { fromSideBlob, mapValues, toSideBlob } from "../../steps/simulatedBlobs";

/** One injected fault: the first call whose line equals `call` (or starts with `call` and a space). */
export interface SimulatedFault {
  call: string;
  mode: "error" | "kill" | "hang";
}

/** The Azure part of a simulated cloud file (other keys of the file are kept as they are). */
export interface SimulatedAzureFile extends Partial<SimulatedComputeState> {
  /** Blob contents by URL (the collect output the triage reads); long ones as side-file markers. */
  blobs?: Record<string, string>;
  /** Binary blobs (shipped files) by URL, base64; long ones as side-file markers. */
  blobBytes?: Record<string, string>;
  faults?: SimulatedFault[];
  /** The simulated clock (ms since the epoch): sleeping advances it, nothing waits. */
  clockMs?: number;
  /** Snapshots that can be read directly (`simulatedSnapshots.ts`), by lower-case id. */
  snapshots?: Record<string, SimulatedSnapshot>;
}

/** One simulated snapshot: its disk image file, the SAS in force, and what was called. */
export interface SimulatedSnapshot {
  image: string | null;
  sas: string | null;
  grants: number;
  revokes: number;
}

/** The error of a `kill` fault: what the engine sees when the provider process dies. */
export class SimulatedCrash extends Error {
  constructor(line: string) {
    super(`the process died during ${line} (simulated)`);
  }
}

const START = Date.UTC(2026, 10, 29, 8, 0, 0);

function readWhole(file: string): Record<string, unknown> {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
}

/** The Azure part of the file (empty when the file or the part is missing), blobs read back. */
export function readSimulatedAzure(file: string): SimulatedAzureFile {
  const azure = (readWhole(file).azure as SimulatedAzureFile | undefined) ?? {};
  const payload = (part: string) => (v: string, k: string) =>
    fromSideBlob(file, v, `${part}\0${k}`);
  return {
    ...azure,
    ...(azure.blobs && { blobs: mapValues(azure.blobs, payload("blobs")) }),
    ...(azure.blobBytes && { blobBytes: mapValues(azure.blobBytes, payload("blobBytes")) }),
  };
}

/**
 * Writes the Azure part of the file atomically, keeping the file's other parts; long blobs go to
 * side files first.
 */
export function writeSimulatedAzure(file: string, azure: SimulatedAzureFile): void {
  const side = (part: string) => (v: string, k: string) => toSideBlob(file, v, `${part}\0${k}`);
  const small: SimulatedAzureFile = {
    ...azure,
    ...(azure.blobs && { blobs: mapValues(azure.blobs, side("blobs")) }),
    ...(azure.blobBytes && { blobBytes: mapValues(azure.blobBytes, side("blobBytes")) }),
  };
  const whole = { ...readWhole(file), azure: small };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(whole, null, 2));
  fs.renameSync(tmp, file);
}

/** Loads the file into a compute, applies `change`, writes it back. */
export function editSimulatedAzure(
  file: string,
  change: (compute: SimulatedCompute, azure: SimulatedAzureFile) => void,
): void {
  const azure = readSimulatedAzure(file);
  const compute = SimulatedCompute.fromJSON(azure);
  change(compute, azure);
  writeSimulatedAzure(file, { ...azure, ...compute.toJSON() });
}

/** The compute as the file holds it now. */
export function loadSimulatedCompute(file: string): SimulatedCompute {
  return SimulatedCompute.fromJSON(readSimulatedAzure(file));
}

const matches = (f: SimulatedFault, line: string) =>
  line === f.call || line.startsWith(`${f.call} `);

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** The compute operations over the file; `signal` ends a `hang`. */
export function fileComputeOps(file: string, signal: AbortSignal): AzureComputeOps {
  const call =
    (method: keyof AzureComputeOps) =>
    async (...args: unknown[]): Promise<unknown> => {
      const azure = readSimulatedAzure(file);
      const compute = SimulatedCompute.fromJSON(azure);
      let fault: SimulatedFault | undefined;
      let line = method as string;
      compute.onCall = (l) => {
        line = l;
        const faults = azure.faults ?? [];
        const i = faults.findIndex((f) => matches(f, l));
        if (i < 0) return;
        fault = faults[i];
        azure.faults = faults.filter((_, j) => j !== i);
        if (fault.mode === "error") {
          writeSimulatedAzure(file, { ...azure, ...compute.toJSON() });
          throw Object.assign(new Error(`${l} failed (simulated fault)`), {
            statusCode: 500,
            code: "InternalServerError",
          });
        }
      };
      const result = await (compute[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      writeSimulatedAzure(file, { ...azure, ...compute.toJSON() });
      if (fault?.mode === "kill") throw new SimulatedCrash(line);
      if (fault?.mode === "hang") await waitForAbort(signal);
      return result;
    };
  return Object.fromEntries(COMPUTE_METHODS.map((m) => [m, call(m)])) as unknown as AzureComputeOps;
}

/** The file's clock: sleeping advances the time it keeps, nothing waits. */
export function fileClock(file: string): Clock {
  return {
    now: () => readSimulatedAzure(file).clockMs ?? START,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      const azure = readSimulatedAzure(file);
      writeSimulatedAzure(file, { ...azure, clockMs: (azure.clockMs ?? START) + ms });
    },
  };
}

/** A blob of the file (HTTP 404 when it holds none at `url`). */
export async function readFileBlob(file: string, url: string): Promise<string> {
  const text = readSimulatedAzure(file).blobs?.[url];
  if (text === undefined)
    throw Object.assign(new Error(`The specified blob does not exist: ${url}`), {
      statusCode: 404,
      code: "BlobNotFound",
    });
  return text;
}

/** Writes a blob: text documents (JSON) under `blobs`, anything else under `blobBytes`. */
export function writeFileBlob(file: string, url: string, bytes: Buffer): void {
  const azure = readSimulatedAzure(file);
  if (url.endsWith(".json")) azure.blobs = { ...azure.blobs, [url]: bytes.toString("utf8") };
  else azure.blobBytes = { ...azure.blobBytes, [url]: bytes.toString("base64") };
  writeSimulatedAzure(file, azure);
}

/** A shipped file's bytes (at most `maxBytes`) from `blobBytes`, else a text blob's; null when absent. */
export function readFileBlobBytes(file: string, url: string, maxBytes: number): Uint8Array | null {
  const azure = readSimulatedAzure(file);
  const b64 = azure.blobBytes?.[url];
  if (b64 !== undefined) return Buffer.from(b64, "base64").subarray(0, maxBytes);
  const text = azure.blobs?.[url];
  return text === undefined ? null : Buffer.from(text, "utf8").subarray(0, maxBytes);
}
