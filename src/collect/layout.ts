/**
 * Where the files the scripts ship sit in the rescue's storage, next to the documents: under the
 * artifacts location (an Azure container URL, or `s3://bucket/prefix`), `collect/<name>` for the
 * evidence collect shipped and `repaired/<name>` for the hives the repair shipped back. The clouds
 * make the upload URLs from it and the readers find the files by it.
 */
export type ShippedStage = "collect" | "repaired";

/** The URL (or `s3://` location) of a shipped file; `name` is one of the fixed names, never disk text. */
export function shippedFileUrl(base: string, stage: ShippedStage, name: string): string {
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(name))
    throw new RangeError(`not a shipped file name: ${name}`);
  return `${base.replace(/\/+$/, "")}/${stage}/${name}`;
}
