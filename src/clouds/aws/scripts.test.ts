/** The SSM command step against fake SSM and S3 clients and a fake clock. */
import { backupSnapshotStep } from "./snapshots";
import { repairCommandParameters, ssmCommandStep } from "./scripts";
import { ssmCommandDocument } from "../../guest/embed";
import { SAMPLE_OPERATIONS } from "../../repair/operations/testing/sample";
import { base, world } from "../../../tests/helpers/ec2World";

describe("ssmCommandStep", () => {
  const cmd = {
    ...base,
    instanceId: "i-helper",
    documentName: "vm-rescue-x-collect",
    parameters: { MaxEvents: ["300"] },
    bucketName: "b",
    keyPrefix: "rescue/x/",
  };

  test("waits for SSM registration and the command, and reads the full output from S3", async () => {
    const w = world();
    const out = await ssmCommandStep(w.ctx, cmd);
    expect(out).toEqual({
      commandId: "cmd-1",
      status: "Success",
      stdout: '{"full":true}',
      stderr: "",
    });
    expect(w.ssmCalls.find((c) => c.name === "SendCommand").input).toMatchObject({
      OutputS3BucketName: "b",
      OutputS3KeyPrefix: "rescue/x",
      Parameters: { MaxEvents: ["300"] },
    });
  });

  test("inPlace: the command is sent while the backup is pending (it is point in time), never after the snapshot failed", async () => {
    const w = world();
    const { snapshotId } = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "d",
      tags: {},
    });
    w.hooks.snapshotPending = 3;
    await ssmCommandStep(w.ctx, { ...cmd, waitForSnapshotId: snapshotId });
    expect(w.snapshots[snapshotId].state).toBe("pending");
    expect(w.ssmCalls.map((c) => c.name)).toContain("SendCommand");
    const sent = w.ssmCalls.length;
    w.hooks.snapshotPending = undefined;
    w.snapshots[snapshotId].state = "error";
    await expect(ssmCommandStep(w.ctx, { ...cmd, waitForSnapshotId: snapshotId })).rejects.toThrow(
      /failed/,
    );
    expect(w.ssmCalls.slice(sent).map((c) => c.name)).not.toContain("SendCommand");
  });

  test("a helper that never registers times out naming the network path", async () => {
    const w = world();
    w.ctx.ssm = { send: async () => ({ InstanceInformationList: [] }) };
    await expect(ssmCommandStep(w.ctx, cmd)).rejects.toThrow(
      /VPC endpoints \(ssm, ec2messages, ssmmessages, s3\) or a NAT gateway/,
    );
  });
});

describe("repairCommandParameters", () => {
  it("sends the compiled operations as the Operations parameter the document declares", () => {
    const p = repairCommandParameters({ Actions: ["DisableDriver"] }, SAMPLE_OPERATIONS);
    expect(
      JSON.parse(Buffer.from(p.Operations[0], "base64").toString("utf8")).operations[0].expected,
    ).toEqual({ type: "REG_DWORD", data: 1 });
    const doc = ssmCommandDocument("repair.ps1", { Actions: ["EnableCrashDump"] }).document;
    expect(new RegExp(doc.parameters.Operations.allowedPattern ?? "^$").test(p.Operations[0])).toBe(
      true,
    );
    expect(repairCommandParameters({ Actions: ["DisableDriver"] })).not.toHaveProperty(
      "Operations",
    );
  });
});
