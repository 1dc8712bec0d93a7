/**
 * Construct of the rescue components through the plugin, as a program in another language reaches
 * them (finding 12): the inputs arrive serialized — with a secret, a dependency, or unknown during
 * a preview — and the component registers its children with the engine's resource monitor, whose
 * fake answers with the simulated cloud. Needs `npm run build`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { simulatedAzure } from "../../src/engine/simulate/azureCloud";
import { simulatedAws } from "../../src/engine/simulate/awsCloud";
import { disposeSimulationFolders } from "../../src/engine/simulate/folders";
import { sampleFacts } from "../helpers/awsInstances";
import { AWS_STEP_KINDS } from "../../src/clouds/aws/kinds";
import { sampleNic, sampleVm } from "../helpers/azureVms";
import { AZURE_STEP_KINDS } from "../../src/clouds/azure/kinds";
import { AWS_COMPONENT, AZURE_COMPONENT } from "../../src/provider/components";
import { COMPONENT_TYPES } from "../../src/vocabulary/tokens";
import {
  fakeEngine,
  REPO_ROOT,
  rpc,
  secretValue,
  SECRET_KEY,
  startPlugin,
  struct,
  tmpDir,
  UNKNOWN,
  type Plugin,
  type Props,
} from "./harness";
import { fakeMonitor } from "./monitor";

// Each simulated EC2 keeps its state and shipped hives in a folder: removed after each test.
afterEach(disposeSimulationFolders);

let dir: string;
let plugin: Plugin;
let engine: Awaited<ReturnType<typeof fakeEngine>>;

beforeAll(async () => {
  dir = tmpDir("vm-rescue-construct-");
  engine = await fakeEngine();
  plugin = await startPlugin(
    path.join(REPO_ROOT, "bin/pulumi-resource-vm-rescue"),
    engine.address,
    dir,
  );
}, 30000);
afterAll(() => {
  plugin?.stop();
  engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const RG_URN = "urn:pulumi:test::consumer::azure-native:resources:ResourceGroup::rg";

async function construct(
  monitor: string,
  inputs: Props,
  dryRun: boolean,
  type: string = COMPONENT_TYPES.azure,
) {
  const req = new provproto.ConstructRequest();
  req.setProject("consumer");
  req.setStack("test");
  req.setDryrun(dryRun);
  req.setParallel(4);
  req.setMonitorendpoint(monitor);
  req.setType(type);
  req.setName("inc-4711");
  req.setInputs(struct(inputs));
  const deps = new provproto.ConstructRequest.PropertyDependencies();
  deps.setUrnsList([RG_URN]);
  req.getInputdependenciesMap().set("resourceGroupName", deps);
  req.setAcceptsOutputValues(false);
  const res = await rpc<provproto.ConstructRequest, provproto.ConstructResponse>(
    plugin.client,
    "construct",
    req,
  );
  return { urn: res.getUrn(), state: res.getState()!.toJavaScript() as Props };
}

test("AzureWindowsRescue: registers its children and returns its outputs", async () => {
  const monitor = await fakeMonitor(simulatedAzure({ vm: sampleVm(), nic: sampleNic() }));
  try {
    const { urn, state } = await construct(
      monitor.address,
      { resourceGroupName: "rg-app-prod", vmName: "app-vm-01", tags: secretValue({ team: "ops" }) },
      false,
    );
    const component = monitor.registrations.find((r) => r.type === COMPONENT_TYPES.azure)!;
    expect(component.urn).toBe(urn);
    expect(component.dependencies).toContain(RG_URN);
    const children = monitor.registrations.filter((r) => r.parent === urn);
    expect(children.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        "azure-native:compute:Snapshot",
        "azure-native:compute:Disk",
        "azure-native:compute:VirtualMachine",
      ]),
    );
    // The steps are the plugin's own resources, not dynamic ones.
    const tokens = AZURE_STEP_KINDS.map((k) => k.token);
    const steps = children.filter((r) => r.type.startsWith("vm-rescue:azure:"));
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(tokens).toContain(s.type);
    expect(children.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    expect(Object.keys(state).sort()).toEqual(Object.keys(AZURE_COMPONENT.outputs).sort());
    // A secret input makes every output secret.
    expect(state.snapshotId).toHaveProperty(SECRET_KEY);
  } finally {
    monitor.stop();
  }
}, 90000);

test("AzureWindowsRescue in a preview with an unknown input: registered, nothing planned, outputs unknown", async () => {
  const monitor = await fakeMonitor(simulatedAzure({ vm: sampleVm(), nic: sampleNic() }));
  try {
    const { urn, state } = await construct(
      monitor.address,
      { resourceGroupName: "rg-app-prod", vmName: UNKNOWN },
      true,
    );
    expect(monitor.registrations.map((r) => r.type)).toEqual([COMPONENT_TYPES.azure]);
    expect(urn).toContain("inc-4711");
    for (const k of Object.keys(AZURE_COMPONENT.outputs)) expect(state[k] ?? UNKNOWN).toBe(UNKNOWN);
  } finally {
    monitor.stop();
  }
}, 60000);

test("AwsWindowsRescue: registers its children and returns its outputs", async () => {
  const monitor = await fakeMonitor(simulatedAws({ instance: sampleFacts() }));
  try {
    const instanceId = sampleFacts().instanceId;
    const { urn, state } = await construct(
      monitor.address,
      { instanceId, kmsGrantConfirmed: true },
      false,
      COMPONENT_TYPES.aws,
    );
    const children = monitor.registrations.filter((r) => r.parent === urn);
    expect(children.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        "aws:ebs/snapshot:Snapshot",
        "aws:ebs/volume:Volume",
        "aws:s3/bucket:Bucket",
      ]),
    );
    const tokens = AWS_STEP_KINDS.map((k) => k.token);
    const steps = children.filter((r) => r.type.startsWith("vm-rescue:aws:"));
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(tokens).toContain(s.type);
    expect(children.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    expect(Object.keys(state).sort()).toEqual(Object.keys(AWS_COMPONENT.outputs).sort());
    expect(state.mode).toBe("copy");
  } finally {
    monitor.stop();
  }
}, 90000);
