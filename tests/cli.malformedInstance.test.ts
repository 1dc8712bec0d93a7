/**
 * An instance description with a list field of the wrong type (a hand-edited file): refused in one
 * line naming the field, by `plan` (exit 2) and by `fleet` (that entry listed as unreadable, the
 * rest of the fleet planned), never an internal error.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCliInProcess as run } from "./helpers/cliInProcess";
import { builtInFleet } from "../src/engine/fleet/simulated";
import { EXAMPLES } from "./helpers/paths";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "malformed-"));
const awsEntry = () =>
  builtInFleet()[3] as {
    awsInstance: { Reservations: { Instances: Record<string, unknown>[] }[] };
  };
function malformed(field: string, value: unknown) {
  const entry = awsEntry();
  entry.awsInstance.Reservations[0].Instances[0][field] = value;
  return entry;
}

test.each([
  ["BlockDeviceMappings", "x"],
  ["BlockDeviceMappings", [1]],
  ["ProductCodes", 7],
])("plan refuses %s = %j in one line, exit 2", async (field, value) => {
  const file = path.join(dir, `${field}.json`);
  const sample = JSON.parse(fs.readFileSync(path.join(EXAMPLES, "aws-instance.json"), "utf8"));
  sample.Reservations[0].Instances[0][field] = value;
  fs.writeFileSync(file, JSON.stringify(sample));
  const r = await run(["plan", "--aws-instance", file]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(new RegExp(`${field}: expected a list of objects`));
  expect(r.err).not.toMatch(/is not a function|\n\s+at /);
});

test("fleet lists the malformed entry as unreadable and plans the rest", async () => {
  const file = path.join(dir, "fleet.json");
  fs.writeFileSync(
    file,
    JSON.stringify([malformed("BlockDeviceMappings", "x"), builtInFleet()[0]]),
  );
  const r = await run(["fleet", file, "--simulate", "--json", "--dry-run"]);
  const report = JSON.parse(r.out) as {
    vms: { label: string; outcome: string; summary: string }[];
  };
  expect(report.vms.find((v) => v.label === "entry 0 of the fleet file")).toMatchObject({
    outcome: "refused",
    summary: expect.stringMatching(/BlockDeviceMappings: expected a list of objects/),
  });
  expect(report.vms).toHaveLength(2);
  expect(r.err).not.toMatch(/is not a function/);
}, 120_000);
