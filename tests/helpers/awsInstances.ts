/** The example describe-instances / describe-volumes of the cxnetmon story, and editors for variants. */
import * as fs from "fs";
import * as path from "path";
import {
  asEc2Instance,
  asEc2Volumes,
  Ec2CliInstance,
  Ec2CliVolume,
  instanceFacts,
  AwsInstanceFacts,
} from "../../src/describe/awsInstance";

const examples = path.join(__dirname, "..", "..", "examples");

export function sampleInstanceJson(): { Reservations: { Instances: Ec2CliInstance[] }[] } {
  return JSON.parse(fs.readFileSync(path.join(examples, "aws-instance.json"), "utf8"));
}

export function sampleVolumesJson(): { Volumes: Ec2CliVolume[] } {
  return JSON.parse(fs.readFileSync(path.join(examples, "aws-volumes.json"), "utf8"));
}

/** The sample instance as facts, after `edit` changed its describe-instances / describe-volumes JSON. */
export function sampleFacts(
  edit?: (i: Ec2CliInstance, volumes: Ec2CliVolume[]) => void,
): AwsInstanceFacts {
  const i = asEc2Instance(sampleInstanceJson()) as Ec2CliInstance;
  const v = asEc2Volumes(sampleVolumesJson());
  edit?.(i, v);
  return instanceFacts(i, v, { name: "Windows_Server-2019-English-Full-Base-2026.02.11" });
}
