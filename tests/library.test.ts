import * as fs from "fs";
import * as path from "path";
import * as lib from "../src";

test("the library entry offers the components and each pure step on its own", () => {
  for (const name of [
    "AzureWindowsRescue",
    "AwsWindowsRescue",
    "checkGuestDrivers",
    "blocksSwap",
    "triageDump",
    "planRepair",
    "planAzureRescue",
    "planAwsRescue",
    "parseCollectOutput",
  ]) {
    expect(typeof (lib as Record<string, unknown>)[name]).toBe("function");
  }
});

test("a platform stack can run the guest-driver check alone on a collect output (e.g. before a migration)", () => {
  const doc = lib.parseCollectOutput(
    fs.readFileSync(path.resolve(__dirname, "..", "examples", "collect-output.json"), "utf8"),
  );
  const toNitro = lib.checkGuestDrivers(doc, { cloud: "aws", instanceType: "m6i.large" });
  expect(lib.blocksSwap(toNitro)).toBe(true);
  expect(toNitro.find((f) => f.severity === "block")?.component).toMatch(/^aws\./);
  expect(lib.blocksSwap(lib.checkGuestDrivers(doc, { cloud: "azure" }))).toBe(false);
});
