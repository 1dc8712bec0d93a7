/** Test plumbing for the Azure step kinds: a step context and a runtime over a given compute. */
import type { StepConfig, StepContext } from "../../../steps/contract";
import type { AzureComputeOps, Clock } from "../operations";
import type { RuntimeFor } from "../runtime";
import { SimulatedClock } from "../simulated";

/** A step context with an hour to go and nothing aborted (or the given signal and deadline). */
export function testContext(
  config: StepConfig = {},
  over: Partial<Pick<StepContext, "signal" | "deadline">> = {},
): StepContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    config,
    signal: over.signal ?? new AbortController().signal,
    deadline: over.deadline ?? Date.now() + 3_600_000,
    log: (m) => lines.push(m),
    lines,
  };
}

/** A runtime that answers every call with `compute`, `clock`, `read` (blobs) and `bytes` (shipped files). */
export function fixedRuntime(
  compute: AzureComputeOps,
  clock: Clock = new SimulatedClock(),
  read: (url: string) => Promise<string> = async (url) => {
    throw Object.assign(new Error(`no blob at ${url}`), { statusCode: 404 });
  },
  bytes: (url: string, maxBytes: number) => Promise<Uint8Array | null> = async () => null,
): RuntimeFor {
  return () => ({ ops: compute, clock, readBlob: read, readBlobBytes: bytes });
}
