/**
 * The latency model the product uses (the package's copy of the shared table). It is always there;
 * {@link describeWithLatencyModel} stays as the one way tests load it.
 */
import { loadLatencyModel, type LatencyModel } from "../../src/recoveryTime/model";

/** `describe` with the package's latency model loaded. */
export function describeWithLatencyModel(title: string, body: (model: LatencyModel) => void): void {
  const model = loadLatencyModel();
  describe(title, () => body(model));
}
