import { classifyInstanceType } from "./instanceTypes";

describe("classifyInstanceType", () => {
  test.each([
    ["t2.medium", "xen"],
    ["t2.micro", "xen"],
    ["c4.xlarge", "xen"],
    ["m4.16xlarge", "xen"],
    ["r4.large", "xen"],
    ["i3.large", "xen"],
    ["x1e.xlarge", "xen"],
    ["p3.2xlarge", "xen"],
    ["d2.xlarge", "xen"],
    ["m3.medium", "xen"],
    ["t3.medium", "nitro"],
    ["t3a.large", "nitro"],
    ["m5.large", "nitro"],
    ["m5zn.xlarge", "nitro"],
    ["c5n.9xlarge", "nitro"],
    ["r5b.large", "nitro"],
    ["z1d.large", "nitro"],
    ["m6i.large", "nitro"],
    ["c6i.xlarge", "nitro"],
    ["r6i.2xlarge", "nitro"],
    ["m7i-flex.large", "nitro"],
    ["i3en.large", "nitro"],
    ["a1.medium", "nitro"],
    ["p3dn.24xlarge", "nitro"],
    ["g4dn.xlarge", "nitro"],
    ["x2iedn.xlarge", "nitro"],
    ["u-6tb1.112xlarge", "nitro"],
    ["i3.metal", "nitro"],
    ["mac1.metal", "nitro"],
    ["m5.metal", "nitro"],
  ])("%s runs on %s", (type, hv) => {
    expect(classifyInstanceType(type).hypervisor).toBe(hv);
  });

  test("bare-metal sizes are Nitro even in a Xen family, and say so", () => {
    const i = classifyInstanceType("i3.metal");
    expect(i).toMatchObject({ family: "i3", size: "metal", bareMetal: true, hypervisor: "nitro" });
    expect(i.rule).toMatch(/bare-metal/);
    expect(classifyInstanceType("i3.large").bareMetal).toBe(false);
  });

  test.each([
    ["m6i.large", 6],
    ["c6in.xlarge", 6],
    ["c7gn.large", 7],
    ["t3a.nano", 3],
    ["m5.large", 5],
    ["x2iedn.xlarge", 2],
    ["u-6tb1.112xlarge", null],
  ])("%s is generation %p", (type, gen) => {
    expect(classifyInstanceType(type).generation).toBe(gen);
  });

  test("is case-insensitive", () => {
    expect(classifyInstanceType("M6I.Large")).toMatchObject({
      instanceType: "m6i.large",
      hypervisor: "nitro",
      generation: 6,
    });
  });

  test("an unknown family is unknown, not guessed", () => {
    const i = classifyInstanceType("q9z.large");
    expect(i.hypervisor).toBe("unknown");
    expect(i.rule).toMatch(/q9z/);
  });

  test.each(["", "m5", "large", "m5 .large", "m5.large.extra"])(
    "a malformed name %p is unknown",
    (t) => {
      const i = classifyInstanceType(t);
      expect(i.hypervisor).toBe("unknown");
      expect(i.rule).toMatch(/not an EC2 instance type name/);
    },
  );
});
