/**
 * The vm-rescue policy pack: the rescue's invariants, enforced on any stack that uses the
 * components. `pulumi preview --policy-pack policy/` runs it locally; `pulumi policy publish`
 * makes it an organisation's policy.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("vm-rescue", { policies: POLICIES });
