/**
 * The shared latency model lives outside the repository (`../shared/latency-model.json`). Tests that
 * need it run inside {@link describeWithLatencyModel}, which skips them with one message where the file
 * is absent instead of failing the suite.
 */
import * as fs from "fs";
import { defaultLatencyModelPath, loadLatencyModel, type LatencyModel } from "../../planner/ttr";

export const latencyModelPath = defaultLatencyModelPath();
export const haveLatencyModel = fs.existsSync(latencyModelPath);

/** `describe` with the model loaded, or `describe.skip` with a message naming the missing file. */
export function describeWithLatencyModel(title: string, body: (model: LatencyModel) => void): void {
  if (!haveLatencyModel) {
    // eslint-disable-next-line no-console
    console.warn(`skipping "${title}": ${latencyModelPath} is absent`);
    describe.skip(title, () => body(undefined as unknown as LatencyModel));
    return;
  }
  const model = loadLatencyModel();
  describe(title, () => body(model));
}
