/**
 * The simulated fleet: a built-in mixed fleet (Azure and AWS) made from the bundled samples, and a
 * runner that plans each VM with the planners the components run and rescues it with the simulated
 * rescue (the real program under Pulumi's mocks). Pulumi's runtime is global, so the simulated
 * rescues take turns inside the process while the scheduler still bounds how many are in flight.
 */
import * as fs from "fs";
import * as path from "path";
import { examplesDir } from "../simulate/azureCloud";
import { placeholderNic } from "../simulate/azureCloud";
import { simulateAwsRescue, simulateRescue, RescueChoices } from "../simulate/rescue";
import { azureArgsFromSettings, awsArgsFromSettings } from "../program";
import { planAzureRescue } from "../../topology/azure";
import { planAwsRescue } from "../../topology/aws";
import { azureRescueOptions } from "../../clouds/azure/args";
import { awsRescueOptions } from "../../clouds/aws/args";
import { parseArmId, primaryNicId } from "../../describe/azureVm";
import { buildReport } from "../../report";
import type { FleetVm } from "./inventory";
import { NotStarted, type FleetRunner } from "./run";

function sample(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(examplesDir(), file), "utf8"));
}

/** Replaces every occurrence of each key by its value in a JSON value (ids, names). */
function renamed<T>(value: T, names: Record<string, string>): T {
  let text = JSON.stringify(value);
  for (const [from, to] of Object.entries(names)) text = text.split(from).join(to);
  return JSON.parse(text) as T;
}

/**
 * The built-in fleet of `fleet --simulate`: six VMs over both clouds, two subscriptions/accounts and
 * three regions, among them a Linux VM the plan refuses, an instance type whose guest drivers block
 * the swap (Xen t2) and a VM that bug-checks again on the repaired disk.
 */
export function builtInFleet(): unknown[] {
  const vm = sample("azure-vm.json");
  const nic = sample("azure-nic.json");
  const azure = (name: string, extra: Record<string, unknown> = {}) => ({
    azureVm: { ...renamed(vm, { "app-vm-01": name }), ...extra },
    nic: renamed(nic, { "app-vm-01": name }),
  });
  const instance = sample("aws-instance.json");
  const volumes = sample("aws-volumes.json") as { Volumes: { VolumeId: string }[] };
  const root = { Volumes: volumes.Volumes.filter((v) => v.VolumeId === "vol-0a9b8c7d6e5f43210") };
  const aws = (n: string, type: string, zone = "eu-west-1a", owner = "123456789012") => {
    const names = {
      "i-0a1b2c3d4e5f67890": `i-0a1b2c3d4e5f6${n}`,
      "vol-0a9b8c7d6e5f43210": `vol-0a9b8c7d6e5f4${n}`,
      "app-ec2-01": `app-ec2-${n}`,
      "eu-west-1a": zone,
      "eu-west-1": zone.slice(0, -1),
    };
    const one = renamed(instance, names) as { Reservations: Record<string, unknown>[] };
    const r = one.Reservations[0] as { OwnerId?: string; Instances: Record<string, unknown>[] };
    r.OwnerId = owner;
    r.Instances[0].InstanceType = type;
    return { awsInstance: one, volumes: renamed(root, names) };
  };
  const linux = renamed(vm, { "app-vm-01": "web-linux-01" }) as Record<string, unknown>;
  const storage = linux.storageProfile as { osDisk: Record<string, unknown> };
  storage.osDisk = { ...storage.osDisk, osType: "Linux" };
  linux.osProfile = { computerName: "web-linux-01", linuxConfiguration: {} };
  return [
    azure("app-vm-01"),
    azure("app-vm-02", { recrash: true }),
    { azureVm: linux, nic: renamed(nic, { "app-vm-01": "web-linux-01" }) },
    aws("901", "m5.large"),
    aws("902", "t2.large"),
    aws("903", "m6i.large", "us-east-1b", "210987654321"),
  ];
}

/**
 * Runs one at a time: Pulumi's mock runtime is one per process. So `fleet --simulate` rescues one
 * VM at a time whatever `--concurrency` says; the limits shape the report's modeled fleet time.
 */
function serial(): <T>(f: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>) => {
    const run = tail.then(f, f);
    tail = run.catch(() => undefined);
    return run;
  };
}

export interface SimulatedFleetOptions extends RescueChoices {
  /** When the simulated runs start (each VM's report uses it). */
  now(): Date;
  /** Once aborted, the rescues still waiting for their turn do not start. */
  signal?: AbortSignal;
}

/**
 * Plans a VM, to be rescued on the given stack, with the planner its component runs: throws
 * PlanError for a VM it cannot rescue.
 */
export function preflight(vm: FleetVm, stack: string, kmsGrantConfirmed: boolean): void {
  if (vm.cloud === "azure") {
    const arm = parseArmId(vm.vm.id, "the VM's id");
    const settings: Record<string, string> = {
      cloud: "azure",
      resourceGroup: vm.vm.resourceGroup ?? arm.resourceGroup,
      vmName: vm.vm.name ?? arm.name,
    };
    const args = azureArgsFromSettings((k) => settings[k], stack);
    const nicId = primaryNicId(vm.vm);
    const nicArm = nicId ? parseArmId(nicId, "the NIC id") : null;
    const nic =
      vm.nic ??
      (nicArm ? placeholderNic(arm.subscriptionId, nicArm.resourceGroup, nicArm.name) : null);
    planAzureRescue({ vm: vm.vm, nic }, azureRescueOptions(args, args.rescueId as string));
    return;
  }
  const settings: Record<string, string> = {
    cloud: "aws",
    instanceId: vm.id,
    ...(kmsGrantConfirmed ? { kmsGrantConfirmed: "true" } : {}),
  };
  const args = awsArgsFromSettings((k) => settings[k], stack);
  planAwsRescue({ instance: vm.instance }, awsRescueOptions(args, args.rescueId as string));
}

/** The runner of `fleet --simulate`. */
export function simulatedFleetRunner(options: SimulatedFleetOptions): FleetRunner {
  const turn = serial();
  const { now, signal, ...choices } = options;
  return {
    mode: "simulated",
    // The simulation assumes the KMS grant, as the simulated rescue does (with a warning).
    plan: async (vm, stack) => preflight(vm, stack, true),
    rescue: (vm, stack) =>
      turn(async () => {
        if (signal?.aborted) throw new NotStarted();
        return buildReport(
          vm.cloud === "azure"
            ? await simulateRescue({
                vm: vm.vm,
                nic: vm.nic,
                stack,
                recrash: vm.recrash,
                ...choices,
                startedAt: now(),
              })
            : await simulateAwsRescue({
                instance: vm.instance,
                stack,
                ...choices,
                startedAt: now(),
              }),
        );
      }),
  };
}
