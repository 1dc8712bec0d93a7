/**
 * The program runs every step under an explicit `pulumi:providers:vm-rescue` whose inputs carry the
 * stack's own azure-native / aws settings, so the steps act as the identity the stack deploys with
 * (secrets stay secret in the registration). Runs the real program under `pulumi.runtime.setMocks`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { rescueProgram } from "./program";
import { runUnderMocks, type RecordedResource } from "./simulate/mockRun";
import { simulatedAzure } from "./simulate/azureCloud";
import { simulatedAws } from "./simulate/awsCloud";
import { disposeSimulationFolders } from "./simulate/folders";
import { asAzureVmDescription, type AzureNicDescription } from "../describe/azureVm";
import { asEc2Instance, asEc2Volumes, instanceFacts } from "../describe/awsInstance";
import { STEP_TYPES } from "../vocabulary/tokens";

// Each simulated EC2 keeps its state and shipped hives in a folder: removed after each test.
afterEach(disposeSimulationFolders);

const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const json = (f: string): unknown => JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), "utf8"));
const PROVIDER = "pulumi:providers:vm-rescue";
const stepTypes = new Set<string>(
  Object.values(STEP_TYPES).flatMap((byKind) => Object.values(byKind as Record<string, string>)),
);

interface Run {
  recorded: RecordedResource[];
  /** Every registration as the mocks saw it (with its provider reference). */
  seen: pulumi.runtime.MockResourceArgs[];
}

async function run(cloud: pulumi.runtime.Mocks, config: Record<string, string>): Promise<Run> {
  const seen: pulumi.runtime.MockResourceArgs[] = [];
  const mocks: pulumi.runtime.Mocks = {
    call: (a) => cloud.call(a),
    newResource: (a) => {
      seen.push(a);
      return cloud.newResource(a);
    },
  };
  const out = await runUnderMocks(rescueProgram, {
    project: "vm-rescue",
    stack: "app-vm-01-rescue",
    config,
    cloud: mocks,
    timeoutMs: 60_000,
  });
  return { recorded: out.resources, seen };
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
}

/** The provider's inputs: as registered (secrets "[secret]") and as the plugin receives them. */
function providerInputs(r: Run): { registered: unknown; received: unknown } {
  const registered = r.recorded.filter((x) => x.type === PROVIDER);
  expect(registered).toHaveLength(1);
  return {
    registered: registered[0].inputs,
    received: unwrapSecrets(r.seen.find((a) => a.type === PROVIDER)!.inputs),
  };
}

function stepsUseProvider(r: Run): void {
  const urn = r.recorded.find((x) => x.type === PROVIDER)!.urn;
  const steps = r.seen.filter((a) => stepTypes.has(a.type));
  expect(steps.length).toBeGreaterThan(0);
  // A provider reference is `<provider urn>::<provider id>`.
  for (const s of steps)
    expect(`${s.type} ${s.provider?.split("::steps::")[0]}::steps`).toBe(`${s.type} ${urn}`);
}

test("Azure: the provider carries the stack's azure-native settings, vm-rescue:azure on top, secrets secret", async () => {
  const vm = asAzureVmDescription(json("azure-vm.json"));
  const nic = json("azure-nic.json") as AzureNicDescription;
  const r = await run(simulatedAzure({ vm, nic }), {
    "vm-rescue:resourceGroup": "rg-app",
    "vm-rescue:vmName": String(vm.name),
    "vm-rescue:swap": "true",
    "vm-rescue:azure": JSON.stringify({ tenantId: "tenant-of-vm-rescue" }),
    "azure-native:clientId": "client-of-stack",
    "azure-native:tenantId": "tenant-of-stack",
    "azure-native:subscriptionId": "sub-of-stack",
    "azure-native:clientSecret": "s3cret",
    "azure-native:useOidc": "false",
    "azure-native:location": "westeurope",
  });
  const inputs = providerInputs(r);
  // A secret inside the section makes the SDK send the whole section as a secret.
  expect(inputs.registered).toEqual({ azure: "[secret]" });
  expect(inputs.received).toEqual({
    azure: {
      clientId: "client-of-stack",
      tenantId: "tenant-of-vm-rescue",
      subscriptionId: "sub-of-stack",
      clientSecret: "s3cret",
      useOidc: false,
    },
  });
  stepsUseProvider(r);
});

test("AWS: the provider carries aws:region/profile/keys and the assumed role; secrets secret", async () => {
  const instance = instanceFacts(
    asEc2Instance(json("aws-instance.json")),
    asEc2Volumes(json("aws-volumes.json")),
  );
  const r = await run(simulatedAws({ instance }), {
    "vm-rescue:cloud": "aws",
    "vm-rescue:instanceId": instance.instanceId,
    "vm-rescue:kmsGrantConfirmed": "true",
    "vm-rescue:swap": "true",
    "vm-rescue:aws": JSON.stringify({ token: "session-of-vm-rescue" }),
    "aws:region": "eu-west-1",
    "aws:profile": "ops",
    "aws:accessKey": "AKIASTACK",
    "aws:secretKey": "stack-secret",
    "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/rescue" }]),
  });
  const inputs = providerInputs(r);
  expect(inputs.registered).toEqual({ aws: "[secret]" });
  expect(inputs.received).toEqual({
    aws: {
      region: "eu-west-1",
      profile: "ops",
      accessKey: "AKIASTACK",
      secretKey: "stack-secret",
      token: "session-of-vm-rescue",
      assumeRoleArn: "arn:aws:iam::123456789012:role/rescue",
    },
  });
  stepsUseProvider(r);
});

test("no secret setting: the section is plain (the region is not hidden)", async () => {
  const instance = instanceFacts(
    asEc2Instance(json("aws-instance.json")),
    asEc2Volumes(json("aws-volumes.json")),
  );
  const r = await run(simulatedAws({ instance }), {
    "vm-rescue:cloud": "aws",
    "vm-rescue:instanceId": instance.instanceId,
    "vm-rescue:kmsGrantConfirmed": "true",
    "vm-rescue:simulatedCloud": "/tmp/cloud.json",
    "aws:region": "eu-west-1",
  });
  expect(providerInputs(r).registered).toEqual({
    aws: { region: "eu-west-1" },
    simulatedCloud: "/tmp/cloud.json",
  });
  stepsUseProvider(r);
});

test("AWS: a chain of assumed roles is refused with one line", async () => {
  const instance = instanceFacts(
    asEc2Instance(json("aws-instance.json")),
    asEc2Volumes(json("aws-volumes.json")),
  );
  await expect(
    run(simulatedAws({ instance }), {
      "vm-rescue:cloud": "aws",
      "vm-rescue:instanceId": instance.instanceId,
      "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:a" }, { roleArn: "arn:b" }]),
    }),
  ).rejects.toThrow(/aws:assumeRoles names a chain/);
});
