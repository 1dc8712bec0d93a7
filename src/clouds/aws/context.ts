/**
 * The clients a step runs with, from the plugin's configuration ({@link StepConfig}): the stack's
 * own AWS identity (region, profile, static keys with a session token, an assumed role), or, with
 * `simulatedCloud`, the simulated EC2 kept in that JSON file. Every SDK call carries the call's
 * abort signal, and every wait stops at its deadline.
 */
import type { StepConfig, StepContext } from "../../steps/contract";
import type { AwsApi, OpsContext } from "./operations";
import { fileStore, simulatedContext } from "./simulated";

/** AWS credentials as the SDK v3 clients take them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<AwsCredentials>;

/** What the STS client needs to answer: `send(AssumeRoleCommand)`. */
export type StsSend = (command: object) => Promise<{
  Credentials?: {
    AccessKeyId?: string;
    SecretAccessKey?: string;
    SessionToken?: string;
    Expiration?: Date;
  };
}>;

/**
 * Credentials of `roleArn`, assumed with `source` (the default chain when undefined) and renewed
 * five minutes before they expire.
 */
export function assumeRoleProvider(
  roleArn: string,
  region: string | undefined,
  source: CredentialProvider | undefined,
  send?: StsSend,
): CredentialProvider {
  let cached: AwsCredentials | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 300_000) return cached;
    const { STSClient, AssumeRoleCommand } = require("@aws-sdk/nested-clients/sts");
    let call = send;
    if (!call) {
      const sts = new STSClient({ region, ...(source ? { credentials: source } : {}) });
      call = (c) => sts.send(c);
    }
    const out = await call(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "vm-rescue" }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`assuming ${roleArn} returned no credentials`);
    cached = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
    return cached;
  };
}

/**
 * The client settings of the stack's AWS identity: static keys (with the session token) first,
 * else the named profile, else the SDK's default chain; assumed into `assumeRoleArn` when set.
 */
export function awsClientConfig(
  aws: StepConfig["aws"] = {},
  region?: string,
): { region?: string; credentials?: CredentialProvider } {
  const r = region || aws.region || undefined;
  let credentials: CredentialProvider | undefined;
  if (aws.accessKey && aws.secretKey) {
    const fixed: AwsCredentials = {
      accessKeyId: aws.accessKey,
      secretAccessKey: aws.secretKey,
      ...(aws.token ? { sessionToken: aws.token } : {}),
    };
    credentials = async () => fixed;
  } else if (aws.profile) {
    const { fromIni } = require("@aws-sdk/credential-provider-ini");
    credentials = fromIni({ profile: aws.profile }) as CredentialProvider;
  }
  if (aws.assumeRoleArn) credentials = assumeRoleProvider(aws.assumeRoleArn, r, credentials);
  return { ...(r ? { region: r } : {}), ...(credentials ? { credentials } : {}) };
}

/** A client whose every call carries the abort signal. */
function withSignal(
  client: { send(c: object, o?: object): Promise<unknown> },
  signal: AbortSignal,
): AwsApi {
  return { send: (c) => client.send(c, { abortSignal: signal }) };
}

/** The clients of one call of a step: the simulated cloud, or AWS as the stack's identity. */
export function stepOps(ctx: StepContext, region?: string): OpsContext {
  const o = { signal: ctx.signal, deadline: ctx.deadline };
  if (ctx.config.simulatedCloud) return simulatedContext(fileStore(ctx.config.simulatedCloud), o);
  const settings = awsClientConfig(ctx.config.aws, region);
  const { EC2Client } = require("@aws-sdk/client-ec2");
  const { SSMClient } = require("@aws-sdk/client-ssm");
  const { S3Client } = require("@aws-sdk/client-s3");
  return {
    ec2: withSignal(new EC2Client(settings), ctx.signal),
    ssm: withSignal(new SSMClient(settings), ctx.signal),
    s3: withSignal(new S3Client(settings), ctx.signal),
    now: () => Date.now(),
    sleep: (ms) =>
      new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
      }),
    pollMs: 10_000,
    ...o,
  };
}
