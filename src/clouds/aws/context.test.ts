/**
 * The identity a step runs as comes from the plugin's configuration (the stack's provider
 * settings), not the environment's default chain; with `simulatedCloud` it runs on the simulated
 * EC2 in that file. And the state of a step survives the engine's JSON round trip: the diff of
 * recorded state against new inputs works on plain data (no provider code, no Set in the state).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { assumeRoleProvider, awsClientConfig, stepOps } from "./context";
import { diffStep } from "../../steps/contract";
import { rootVolumeSwapKind } from "./swap";
import { AWS_CONTRACT_CASES } from "./testing/contractCases";
import { BROKEN, simContext } from "./testing/world";
import { STEP_TYPES } from "../../vocabulary/tokens";

describe("awsClientConfig", () => {
  test("static keys with the session token, in the configured region", async () => {
    const c = awsClientConfig({
      region: "eu-central-1",
      accessKey: "AKIAX",
      secretKey: "s",
      token: "t",
    });
    expect(c.region).toBe("eu-central-1");
    expect(await c.credentials!()).toEqual({
      accessKeyId: "AKIAX",
      secretAccessKey: "s",
      sessionToken: "t",
    });
  });

  test("the step's region wins over the configured one", () => {
    expect(awsClientConfig({ region: "eu-central-1" }, "us-east-1")).toMatchObject({
      region: "us-east-1",
    });
  });

  test("a profile reads the shared config of that profile", () => {
    expect(typeof awsClientConfig({ profile: "rescue" }).credentials).toBe("function");
  });

  test("assume-role: AssumeRole with the source credentials, cached until near expiry", async () => {
    const sent: { RoleArn: string; RoleSessionName: string }[] = [];
    const provider = assumeRoleProvider(
      "arn:aws:iam::123456789012:role/rescue",
      "eu-west-1",
      async () => ({ accessKeyId: "src", secretAccessKey: "src" }),
      async (cmd) => {
        sent.push((cmd as { input: { RoleArn: string; RoleSessionName: string } }).input);
        return {
          Credentials: {
            AccessKeyId: "ASIA1",
            SecretAccessKey: "k",
            SessionToken: "tok",
            Expiration: new Date(Date.now() + 3_600_000),
          },
        };
      },
    );
    expect(await provider()).toMatchObject({ accessKeyId: "ASIA1", sessionToken: "tok" });
    await provider();
    expect(sent).toEqual([
      { RoleArn: "arn:aws:iam::123456789012:role/rescue", RoleSessionName: "vm-rescue" },
    ]);
  });
});

describe("awsClientConfig precedence: provider config > AWS_* as the aws provider reads them > default chain", () => {
  const VARS = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
  ];
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    for (const k of VARS) delete process.env[k];
  });
  afterEach(() => {
    process.env = saved;
  });

  test("with no provider config the region comes from AWS_REGION, else AWS_DEFAULT_REGION", () => {
    process.env.AWS_DEFAULT_REGION = "eu-north-1";
    expect(awsClientConfig({}).region).toBe("eu-north-1");
    process.env.AWS_REGION = "eu-west-3";
    expect(awsClientConfig({}).region).toBe("eu-west-3");
    expect(awsClientConfig({ region: "ap-south-1" }).region).toBe("ap-south-1");
  });

  test("static keys in the provider config win over the AWS_* keys; the AWS_* keys over the chain", async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIAENV",
      AWS_SECRET_ACCESS_KEY: "env",
      AWS_SESSION_TOKEN: "envtok",
    });
    expect(
      await awsClientConfig({ accessKey: "AKIACFG", secretKey: "cfg" }).credentials!(),
    ).toEqual({ accessKeyId: "AKIACFG", secretAccessKey: "cfg" });
    expect(await awsClientConfig({}).credentials!()).toEqual({
      accessKeyId: "AKIAENV",
      secretAccessKey: "env",
      sessionToken: "envtok",
    });
  });

  test("a configured profile wins over the AWS_* keys", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-ini-"));
    try {
      const file = path.join(dir, "credentials");
      fs.writeFileSync(
        file,
        "[rescue]\naws_access_key_id = AKIAINI\naws_secret_access_key = ini\n",
      );
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: "AKIAENV",
        AWS_SECRET_ACCESS_KEY: "env",
        AWS_SHARED_CREDENTIALS_FILE: file,
        AWS_CONFIG_FILE: path.join(dir, "config"),
      });
      expect(await awsClientConfig({ profile: "rescue" }).credentials!()).toMatchObject({
        accessKeyId: "AKIAINI",
      });
      process.env.AWS_PROFILE = "rescue";
      delete process.env.AWS_ACCESS_KEY_ID;
      expect(await awsClientConfig({}).credentials!()).toMatchObject({ accessKeyId: "AKIAINI" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("nothing configured, no AWS_* credentials: the SDK's default chain", () => {
    expect(awsClientConfig({})).toEqual({});
  });
});

describe("stepOps", () => {
  test("simulatedCloud: the calls go to the simulated EC2 in that file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-ctx-"));
    try {
      const file = path.join(dir, "cloud.json");
      AWS_CONTRACT_CASES[0].seed(file);
      const ops = stepOps(simContext(file), "eu-west-1");
      const out = await ops.ec2.send(new DescribeInstancesCommand({ InstanceIds: [BROKEN] }));
      expect(out.Reservations[0].Instances[0].InstanceId).toBe(BROKEN);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an aborted call fails at once, before it reaches the cloud", async () => {
    const abort = new AbortController();
    abort.abort("cancelled");
    const ops = stepOps({ ...simContext("/nonexistent.json"), signal: abort.signal }, "eu-west-1");
    await expect(ops.ec2.send(new DescribeInstancesCommand({}))).rejects.toThrow(/aborted/);
  });
});

test("a step's state survives the JSON round trip and its diff still works (no provider code in state)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-json-"));
  try {
    const file = path.join(dir, "cloud.json");
    const c = AWS_CONTRACT_CASES.find((x) => x.token === STEP_TYPES.aws.swap)!;
    const { inputs } = c.seed(file);
    const { outs } = await rootVolumeSwapKind.create(simContext(file), inputs as never);
    const stored = JSON.parse(JSON.stringify(outs)) as Record<string, unknown>;
    expect(Object.keys(stored)).not.toContain("__provider");
    expect(JSON.stringify(stored)).not.toMatch(/require\(|exports\.|function/);
    expect(diffStep(rootVolumeSwapKind, stored, { ...inputs, timeoutSeconds: 60 })).toEqual({
      changes: true,
      replaces: [],
      updates: ["timeoutSeconds"],
    });
    expect(diffStep(rootVolumeSwapKind, stored, { ...inputs, helperInstanceId: "i-0new" })).toEqual(
      {
        changes: true,
        replaces: [],
        updates: ["helperInstanceId"],
      },
    );
    expect(
      diffStep(rootVolumeSwapKind, stored, { ...inputs, volumeId: "vol-0other" }).replaces,
    ).toEqual(["volumeId"]);
    expect(diffStep(rootVolumeSwapKind, stored, inputs).changes).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
