/**
 * A simulated EC2 as a rescue finds it halfway: the broken instance running on its encrypted root
 * (which bug-checks), the helper with the repaired copy attached, the backup snapshot completed.
 * For the kinds' contract, fault and behaviour tests.
 */
import type { StepContext } from "../../../steps/contract";
import { emptyState, writeState, BUGCHECK_TEXT, type Ec2State } from "../simulated";

export const KMS = "arn:aws:kms:eu-west-1:123456789012:key/k1";
export const BROKEN = "i-0b0b0b0b0b0b0b0b0";
export const HELPER = "i-0c0c0c0c0c0c0c0c0";
export const ORIG = "vol-0a0a0a0a0a0a0a0a0";
export const COPY = "vol-0d0d0d0d0d0d0d0d0";
export const SNAP = "snap-0e0e0e0e0e0e0e0e0";
const AZ = "eu-west-1a";

export function rescueWorld(): Ec2State {
  const s = emptyState("eu-west-1");
  const vol = (broken: boolean) => ({
    state: "in-use" as const,
    until: 0,
    availabilityZone: AZ,
    sizeGiB: 100,
    volumeType: "gp3",
    iops: 4000,
    throughput: 250,
    encrypted: true,
    kmsKeyId: KMS,
    tags: {},
    broken,
  });
  s.volumes[ORIG] = {
    ...vol(true),
    attachments: [{ instanceId: BROKEN, device: "/dev/sda1", state: "attached", until: 0 }],
  };
  s.volumes[COPY] = {
    ...vol(false),
    snapshotId: SNAP,
    attachments: [{ instanceId: HELPER, device: "xvdf", state: "attached", until: 0 }],
    tags: { "vm-rescue:role": "repair-copy", "vm-rescue:copy-of": ORIG },
  };
  s.volumes["vol-0f0f0f0f0f0f0f0f0"] = {
    ...vol(false),
    attachments: [{ instanceId: HELPER, device: "/dev/sda1", state: "attached", until: 0 }],
  };
  s.snapshots[SNAP] = {
    volumeId: ORIG,
    state: "completed",
    until: 0,
    startTime: "2026-01-01T00:00:00.000Z",
    description: "backup",
    encrypted: true,
    kmsKeyId: KMS,
    tags: { "vm-rescue:id": "inc-1", "vm-rescue:role": "backup" },
    broken: true,
  };
  s.instances[BROKEN] = {
    state: "running",
    until: 0,
    availabilityZone: AZ,
    rootDeviceName: "/dev/sda1",
    devices: { "/dev/sda1": { volumeId: ORIG, deleteOnTermination: true } },
    tags: {},
    console: BUGCHECK_TEXT,
    startedAt: 0,
  };
  s.instances[HELPER] = {
    state: "running",
    until: 0,
    availabilityZone: AZ,
    rootDeviceName: "/dev/sda1",
    devices: {
      "/dev/sda1": { volumeId: "vol-0f0f0f0f0f0f0f0f0", deleteOnTermination: true },
      xvdf: { volumeId: COPY, deleteOnTermination: false },
    },
    tags: {},
    ssmAgent: true,
    console: "",
    startedAt: -3_600_000,
  };
  return s;
}

export function seedFile(file: string, s: Ec2State = rescueWorld()): void {
  writeState(file, s);
}

/** A call's context against the simulated cloud in `file`. */
export function simContext(
  file: string,
  o: { signal?: AbortSignal; deadline?: number } = {},
): StepContext {
  return {
    config: { simulatedCloud: file },
    signal: o.signal ?? new AbortController().signal,
    deadline: o.deadline ?? Date.now() + 3_600_000,
    log: () => undefined,
  };
}

export const GATE_OPEN = { allowed: true, reasons: [] as string[] };

/**
 * A standby helper as a platform stack keeps it: {@link HELPER} stopped with only its root; the
 * copy is detached (available) beside it.
 */
export function standbyWorld(): Ec2State {
  const s = rescueWorld();
  const h = s.instances[HELPER];
  h.state = "stopped";
  delete h.devices.xvdf;
  delete h.startedAt;
  s.volumes[COPY].attachments = [];
  s.volumes[COPY].state = "available";
  return s;
}
