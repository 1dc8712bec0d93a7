/**
 * The helper instance's choices that depend on the broken instance and the options: its Windows
 * version and AMI parameter, and whether its subnet can reach SSM.
 */
import { PlanError } from "../vocabulary/errors";
import { HELPER_PREFERENCE, type WindowsServerVersion } from "./windows";
import type { AwsRescueOptions } from "./awsOptions";

/** The VPC endpoint services the helper needs when it has no route to the internet. */
export const SSM_ENDPOINT_SERVICES = ["ssm", "ec2messages", "ssmmessages", "s3"] as const;

const AMI_PARAMETER_VERSIONS: Partial<Record<WindowsServerVersion, string>> = {
  "2016": "Windows_Server-2016-English-Full-Base",
  "2019": "Windows_Server-2019-English-Full-Base",
  "2022": "Windows_Server-2022-English-Full-Base",
  "2025": "Windows_Server-2025-English-Full-Base",
};

/** The SSM public parameter of the latest AWS Windows Server AMI of a version. */
export function windowsAmiParameter(version: WindowsServerVersion): string {
  const name = AMI_PARAMETER_VERSIONS[version];
  if (!name)
    throw new PlanError(
      "invalid-option",
      `there is no current AWS AMI for Windows Server ${version}`,
    );
  return `/aws/service/ami-windows-latest/${name}`;
}

/** The helper's Windows version: the AMI parameter's, else a preferred one unlike the source's. */
export function decideHelperVersion(
  source: WindowsServerVersion | null,
  options: AwsRescueOptions,
  warnings: string[],
): WindowsServerVersion {
  if (options.helperAmiParameter) {
    const m = /Windows_Server-(2016|2019|2022|2025)/.exec(options.helperAmiParameter);
    const v = (m?.[1] ?? "2022") as WindowsServerVersion;
    if (source !== null && v === source) {
      warnings.push(
        `helperAmiParameter ${options.helperAmiParameter} is the same Windows version as the broken instance; the attached volume may collide on its disk signature (the scripts handle it, a different version avoids it)`,
      );
    }
    return v;
  }
  if (source === null) {
    warnings.push(
      "the broken instance's Windows version is unknown (set windowsVersion); the helper runs Windows Server 2022 and the scripts handle a disk-signature collision if one occurs",
    );
  }
  return HELPER_PREFERENCE.find((v) => v !== source) as WindowsServerVersion;
}

/** Warns when nothing shows that the helper's subnet reaches SSM (VPC endpoints or a NAT gateway). */
export function networkWarnings(
  region: string,
  options: AwsRescueOptions,
  warnings: string[],
): void {
  if (options.natConfirmed) return;
  const wanted = SSM_ENDPOINT_SERVICES.map((s) => `com.amazonaws.${region}.${s}`);
  if (options.vpcEndpointServices) {
    const missing = wanted.filter((w) => !options.vpcEndpointServices!.includes(w));
    if (missing.length > 0) {
      warnings.push(
        `the helper has no public IP and its VPC lacks the endpoint(s) ${missing.join(", ")}: without a NAT gateway SSM cannot reach it and the collect step times out`,
      );
    }
    return;
  }
  warnings.push(
    `the helper has no public IP: its subnet must reach SSM through VPC endpoints (${wanted.join(", ")}) or a NAT gateway; this could not be checked from the input (set natConfirmed=true, or give the VPC's endpoint services)`,
  );
}
