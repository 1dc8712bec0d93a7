/** The AWS standby helper's arguments and fit, refused in one line naming the argument. */
import { awsStandbyOf, checkAwsStandbyFit, type AwsStandbyRef } from "./awsStandby";
import { isPlanError } from "../vocabulary/errors";

const fits: AwsStandbyRef = {
  instanceId: "i-0123456789abcdef0",
  subnetId: "subnet-0123456789abcdef0",
  zone: "eu-west-1a",
};
const target = {
  instanceId: "i-0b0b0b0b0b0b0b0b0",
  availabilityZone: "eu-west-1a",
  vpcId: "vpc-0aaaaaaaaaaaaaaaa",
  standbyVpcId: "vpc-0aaaaaaaaaaaaaaaa",
  standbySubnetZone: "eu-west-1a",
};

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (!isPlanError(e)) throw e;
    expect(e.message.split("\n")).toHaveLength(1);
    return { code: e.code, message: e.message };
  }
  throw new Error("not refused");
}

test("no standby arguments: no standby; complete ones: the standby", () => {
  expect(awsStandbyOf({})).toBeUndefined();
  expect(
    awsStandbyOf({
      standbyHelperId: fits.instanceId,
      standbyHelperSubnetId: fits.subnetId,
      standbyHelperZone: fits.zone,
    }),
  ).toEqual(fits);
  expect(checkAwsStandbyFit(fits, target)).toEqual(fits);
});

test.each([
  [{ standbyHelperId: "i-123" }, /^standbyHelperId "i-123" is not an EC2 instance id/],
  [{ standbyHelperSubnetId: "nope" }, /^standbyHelperSubnetId "nope" is not a subnet id/],
  [{ standbyHelperZone: "1" }, /^standbyHelperZone "1" is not an availability zone/],
  [{ standbyHelperZone: undefined }, /^standbyHelperId needs standbyHelperZone/],
  [{ standbyHelperId: undefined }, /give its standbyHelperId too/],
])("malformed or incomplete arguments %p are refused", (change, message) => {
  const r = refusal(() =>
    awsStandbyOf({
      standbyHelperId: fits.instanceId,
      standbyHelperSubnetId: fits.subnetId,
      standbyHelperZone: fits.zone,
      ...change,
    }),
  );
  expect(r.code).toBe("invalid-input");
  expect(r.message).toMatch(message);
});

test.each<[string, Partial<AwsStandbyRef>, Partial<typeof target>, RegExp]>([
  [
    "another availability zone than the root volume's",
    { zone: "eu-west-1b" },
    {},
    /is in eu-west-1b \(standbyHelperZone\), the root volume of i-0b0b0b0b0b0b0b0b0 in eu-west-1a/,
  ],
  [
    "a subnet outside the instance's VPC",
    {},
    { standbyVpcId: "vpc-0bbbbbbbbbbbbbbbb" },
    /standbyHelperSubnetId subnet-\S+ in vpc-0bbbbbbbbbbbbbbbb, outside the VPC of i-0b0b0b0b0b0b0b0b0 \(vpc-0aaaaaaaaaaaaaaaa\)/,
  ],
  [
    "a subnet in another zone than standbyHelperZone",
    {},
    { standbySubnetZone: "eu-west-1c" },
    /standbyHelperSubnetId subnet-\S+ in eu-west-1c, not in standbyHelperZone eu-west-1a/,
  ],
  [
    "the broken instance itself",
    { instanceId: "i-0b0b0b0b0b0b0b0b0" },
    {},
    /is the broken instance itself/,
  ],
])("a standby helper %s is refused", (_what, h, t, message) => {
  const r = refusal(() => checkAwsStandbyFit({ ...fits, ...h }, { ...target, ...t }));
  expect(r.code).toBe("standby-helper-misfit");
  expect(r.message).toMatch(message);
});

test("a VPC not known (a description without it) is no refusal", () => {
  expect(
    checkAwsStandbyFit(fits, { ...target, vpcId: null, standbyVpcId: "vpc-0bbbbbbbbbbbbbbbb" }),
  ).toEqual(fits);
});
