/**
 * Classifies an EC2 instance type by the hypervisor it runs on (Nitro or Xen) and its generation.
 *
 * Rule (AWS EC2 User Guide, "Instances built on the AWS Nitro System",
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html, and the Windows
 * guide `instance-types.md#ec2-nitro-instances`, awsdocs/amazon-ec2-user-guide-windows):
 * - every `.metal` size is on the Nitro System (i3.metal, mac1.metal, u-6tb1.metal...);
 * - `p3dn` is Nitro although `p3` is Xen;
 * - the families in {@link XEN_FAMILIES} (previous generation and T2, M4, C4, R4, X1, X1e, I3,
 *   D2, H1, G3, P2, P3, F1) run on Xen;
 * - the families in {@link NITRO_FAMILIES} run on Nitro;
 * - anything else is "unknown": the driver check then warns instead of guessing.
 *
 * Generation = the first number in the family name (m6i → 6, c7gn → 7, t3a → 3). AWS states the
 * ENA 2.2.3 requirement for the 6th-generation families (M6i, C6i, R6i...).
 */

export type Hypervisor = "nitro" | "xen" | "unknown";

export interface InstanceTypeInfo {
  /** The type as given, lower-cased, e.g. "m6i.large". */
  instanceType: string;
  /** Part before the dot, e.g. "m6i", "u-6tb1", "mac2-m2pro". */
  family: string;
  /** Part after the dot, e.g. "large", "metal", "metal-24xl". */
  size: string;
  hypervisor: Hypervisor;
  /** First number in the family name; null when the family has none or is not a type name. */
  generation: number | null;
  bareMetal: boolean;
  /** Why this classification (one sentence, for findings and --json output). */
  rule: string;
}

/** Families on the Xen hypervisor (virtualized sizes). */
export const XEN_FAMILIES: ReadonlySet<string> = new Set([
  "t1",
  "t2",
  "m1",
  "m2",
  "m3",
  "m4",
  "c1",
  "c3",
  "c4",
  "cc1",
  "cc2",
  "cg1",
  "cr1",
  "hi1",
  "hs1",
  "r3",
  "r4",
  "x1",
  "x1e",
  "i2",
  "i3",
  "d2",
  "h1",
  "g2",
  "g3",
  "g3s",
  "p2",
  "p3",
  "f1",
]);

/** Families on the Nitro System. */
export const NITRO_FAMILIES: ReadonlySet<string> = new Set([
  "a1",
  "t3",
  "t3a",
  "t4g",
  "m5",
  "m5a",
  "m5ad",
  "m5d",
  "m5dn",
  "m5n",
  "m5zn",
  "m6a",
  "m6g",
  "m6gd",
  "m6i",
  "m6id",
  "m6idn",
  "m6in",
  "m7a",
  "m7g",
  "m7gd",
  "m7i",
  "m7i-flex",
  "m8a",
  "m8g",
  "m8gd",
  "m8i",
  "m8i-flex",
  "c5",
  "c5a",
  "c5ad",
  "c5d",
  "c5n",
  "c6a",
  "c6g",
  "c6gd",
  "c6gn",
  "c6i",
  "c6id",
  "c6in",
  "c7a",
  "c7g",
  "c7gd",
  "c7gn",
  "c7i",
  "c7i-flex",
  "c8g",
  "c8gd",
  "c8gn",
  "c8i",
  "r5",
  "r5a",
  "r5ad",
  "r5b",
  "r5d",
  "r5dn",
  "r5n",
  "r6a",
  "r6g",
  "r6gd",
  "r6i",
  "r6id",
  "r6idn",
  "r6in",
  "r7a",
  "r7g",
  "r7gd",
  "r7i",
  "r7iz",
  "r8g",
  "r8gd",
  "r8i",
  "x2gd",
  "x2idn",
  "x2iedn",
  "x2iezn",
  "x8g",
  "z1d",
  "u-3tb1",
  "u-6tb1",
  "u-9tb1",
  "u-12tb1",
  "u-18tb1",
  "u-24tb1",
  "u7i-6tb",
  "u7i-8tb",
  "u7i-12tb",
  "u7in-16tb",
  "u7in-24tb",
  "u7in-32tb",
  "d3",
  "d3en",
  "i3en",
  "i4g",
  "i4i",
  "i7i",
  "i7ie",
  "i8g",
  "im4gn",
  "is4gen",
  "g4ad",
  "g4dn",
  "g5",
  "g5g",
  "g6",
  "g6e",
  "gr6",
  "p3dn",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
  "inf1",
  "inf2",
  "trn1",
  "trn1n",
  "trn2",
  "dl1",
  "dl2q",
  "f2",
  "vt1",
  "hpc6a",
  "hpc6id",
  "hpc7a",
  "hpc7g",
  "mac1",
  "mac2",
  "mac2-m1ultra",
  "mac2-m2",
  "mac2-m2pro",
]);

const TYPE_NAME = /^([a-z][a-z0-9-]*)\.([a-z0-9-]+)$/;

/** Classifies `instanceType`; never throws (malformed names come back as "unknown"). */
export function classifyInstanceType(instanceType: string): InstanceTypeInfo {
  const name = instanceType.trim().toLowerCase();
  const m = TYPE_NAME.exec(name);
  if (!m) {
    return {
      instanceType: name,
      family: "",
      size: "",
      hypervisor: "unknown",
      generation: null,
      bareMetal: false,
      rule: `"${instanceType}" is not an EC2 instance type name (family.size)`,
    };
  }
  const [, family, size] = m;
  const gen = /^[a-z]+(\d+)/.exec(family);
  const generation = gen ? Number(gen[1]) : null;
  const bareMetal = size === "metal" || size.startsWith("metal-");
  const base = { instanceType: name, family, size, generation, bareMetal };
  if (bareMetal)
    return { ...base, hypervisor: "nitro", rule: "bare-metal sizes are built on the Nitro System" };
  if (NITRO_FAMILIES.has(family))
    return { ...base, hypervisor: "nitro", rule: `family ${family} is built on the Nitro System` };
  if (XEN_FAMILIES.has(family))
    return { ...base, hypervisor: "xen", rule: `family ${family} runs on the Xen hypervisor` };
  return {
    ...base,
    hypervisor: "unknown",
    rule: `family ${family} is not in the Nitro/Xen family lists`,
  };
}
