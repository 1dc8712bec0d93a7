/**
 * What the provider plugin's contract tests need of each step kind: a simulated cloud in which the
 * step can run, its inputs, and an out-of-band change its `read` must see. Each cloud exports one
 * case per kind (`src/clouds/<cloud>/testing/contractCases.ts`); the plugin's tests run every case
 * through the real gRPC server, so a kind without a case fails them.
 */
import type { StepConfig } from "../contract";

export interface StepContractCase {
  /** The kind's type token. */
  token: string;
  /** Writes a simulated cloud into `file` where the step can run; returns the inputs of a create. */
  seed(file: string): { inputs: Record<string, unknown>; config?: StepConfig };
  /**
   * Changes the simulated cloud in `file` as an operator would out of band (e.g. swaps the OS disk
   * back by hand), after a create; returns the outputs `read` must then report (a subset).
   */
  outOfBand?(file: string): Record<string, unknown>;
  /** A change of inputs that must be an update (not a replace) and must not repeat the step. */
  update?(inputs: Record<string, unknown>): Record<string, unknown>;
  /**
   * What of the simulated cloud in `file` an update must leave as it was: its changes, not its
   * reads (default: the whole file, when the simulation records no reads).
   */
  changesIn?(file: string): unknown;
  /** A change of inputs that must replace the resource (an identity key). */
  replace?(inputs: Record<string, unknown>): Record<string, unknown>;
}
