/**
 * The clients a step runs with, from the plugin's configuration ({@link StepConfig}): the stack's
 * own AWS identity (region, profile, static keys with a session token, an assumed role), or, with
 * `simulatedCloud`, the simulated EC2 kept in that JSON file. Every SDK call carries the call's
 * abort signal, and every wait stops at its deadline.
 */
import type { StepConfig, StepContext } from "../../steps/contract";
import type { AwsApi, OpsContext } from "./operations";
import { fileStore, simulatedContext } from "./simulated";
import { sdkPresigner } from "./s3Files";

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
    const { STSClient, AssumeRoleCommand } = require("@aws-sdk/client-sts");
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

const env = (k: string): string | undefined => process.env[k] || undefined;

/**
 * The client settings of the stack's AWS identity, in the order the aws provider documents for its
 * own settings (provider configuration, then environment variables, then shared files, then the
 * container or instance role):
 *
 * 1. the `vm-rescue` provider configuration (the program fills it from the stack's `aws:region`,
 *    `aws:profile`, `aws:accessKey`/`secretKey`/`token` and `aws:assumeRoles`, with `vm-rescue:aws`
 *    on top): static keys first, else the named profile;
 * 2. the variables the aws provider reads: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY`
 *    (+ `AWS_SESSION_TOKEN`), else `AWS_PROFILE`; the region from `AWS_REGION`, else
 *    `AWS_DEFAULT_REGION`;
 * 3. the SDK's default chain (shared files, SSO, web identity, container and instance roles).
 *
 * The step's own `region` (the instance's) beats every configured one. The result is assumed into
 * `assumeRoleArn` when set.
 */
export function awsClientConfig(
  aws: StepConfig["aws"] = {},
  region?: string,
): { region?: string; credentials?: CredentialProvider } {
  const r = region || aws.region || env("AWS_REGION") || env("AWS_DEFAULT_REGION");
  const keys = (accessKeyId?: string, secretAccessKey?: string, sessionToken?: string) => {
    if (!accessKeyId || !secretAccessKey) return undefined;
    const fixed: AwsCredentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    };
    return async () => fixed;
  };
  const profile = (name?: string): CredentialProvider | undefined => {
    if (!name) return undefined;
    const { fromIni } = require("@aws-sdk/credential-providers");
    return fromIni({ profile: name }) as CredentialProvider;
  };
  let credentials: CredentialProvider | undefined =
    keys(aws.accessKey, aws.secretKey, aws.token) ??
    profile(aws.profile) ??
    keys(env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")) ??
    profile(env("AWS_PROFILE"));
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
    presignPut: sdkPresigner(settings),
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
