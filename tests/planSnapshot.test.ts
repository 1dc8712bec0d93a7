/**
 * The offline plans of the bundled samples, kept as snapshots: a change to what `pulumi up` would
 * create shows up here as a reviewed diff (a deliberate rename updates the snapshot in the same
 * commit; anything else is a regression).
 */
import * as path from "node:path";
import { main, type Io } from "../src/cli/main";
import { EXAMPLES } from "./helpers/paths";

async function planJson(args: string[]): Promise<unknown> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { isTty: false, out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await main(["plan", ...args, "--json"], io);
  expect(err.join("")).toBe("");
  expect(code).toBe(0);
  return JSON.parse(out.join(""));
}

test("the Azure sample's offline plan", async () => {
  const plan = await planJson([
    "--azure-vm",
    path.join(EXAMPLES, "azure-vm.json"),
    "--nic",
    path.join(EXAMPLES, "azure-nic.json"),
  ]);
  expect(plan).toMatchSnapshot();
});

test("the AWS sample's offline plan", async () => {
  const plan = await planJson([
    "--aws-instance",
    path.join(EXAMPLES, "aws-instance.json"),
    "--volumes",
    path.join(EXAMPLES, "aws-volumes.json"),
    "--set",
    "kmsGrantConfirmed=true",
  ]);
  expect(plan).toMatchSnapshot();
});

test("no sample's plan holds a dynamic resource: every step is the provider plugin's", async () => {
  const plans = [
    ["--azure-vm", path.join(EXAMPLES, "azure-vm.json"), "--set", "rollback=true"],
    ["--aws-instance", path.join(EXAMPLES, "aws-instance.json"), "--set", "kmsGrantConfirmed=true"],
    [
      "--aws-instance",
      path.join(EXAMPLES, "aws-instance.json"),
      "--set",
      "kmsGrantConfirmed=true",
      "--set",
      "mode=inPlace",
      "--set",
      "rollback=true",
    ],
  ];
  for (const args of plans) {
    const text = JSON.stringify(await planJson(args));
    expect(text).not.toContain("pulumi-nodejs:dynamic");
    expect(text).toMatch(/"vm-rescue:(azure|aws):[A-Za-z]+"/);
  }
});
