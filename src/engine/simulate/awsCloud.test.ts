import * as fs from "node:fs";
import * as path from "node:path";
import { simulatedAws } from "./awsCloud";
import { disposeSimulationFolders, undisposedSimulationFolders } from "./folders";
import { sampleFacts } from "../../../tests/helpers/awsInstances";

describe("the simulated EC2's folder (./folders.ts)", () => {
  test("dispose removes it and forgets it; disposeSimulationFolders removes the rest", () => {
    const a = simulatedAws({ instance: sampleFacts() });
    const b = simulatedAws({ instance: sampleFacts() });
    const [dirA, dirB] = [path.dirname(a.cloudFile), path.dirname(b.cloudFile)];
    expect(fs.existsSync(a.cloudFile)).toBe(true);
    expect(undisposedSimulationFolders()).toEqual([dirA, dirB]);

    a.dispose();
    expect(fs.existsSync(dirA)).toBe(false);
    expect(undisposedSimulationFolders()).toEqual([dirB]);
    a.dispose(); // a second dispose is harmless

    disposeSimulationFolders();
    expect(fs.existsSync(dirB)).toBe(false);
    expect(undisposedSimulationFolders()).toEqual([]);
  });
});
