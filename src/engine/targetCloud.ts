/**
 * The cloud a command line names, before anything is checked or loaded: `--cloud`, else AWS when
 * an instance is named (`--instance-id`, `--aws-instance`), else Azure. `targetOf` checks it.
 */
export function cloudOfFlags(opts: {
  cloud?: string;
  instanceId?: string;
  awsInstance?: string;
}): string {
  return opts.cloud ?? (opts.instanceId || opts.awsInstance ? "aws" : "azure");
}
