/**
 * Stack names and rescue ids, kept apart from the program so that code that only names stacks (the
 * fleet's files, the target of a command) loads no Pulumi.
 */

/** A rescue id from the stack name: lowercase letters, digits and hyphens, ≤ 24 chars. */
export function rescueIdFromStack(stack: string): string {
  const id = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return id || "rescue";
}

/** The default stack of an AWS rescue: `rescue-<instance id without i->` (a valid rescue id). */
export function awsStackName(instanceId: string): string {
  return rescueIdFromStack(`rescue-${instanceId.replace(/^i-/, "")}`);
}
