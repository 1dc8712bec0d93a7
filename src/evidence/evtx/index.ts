/** The EVTX reader's public surface: the reader, the boot story and the CLI renderers. */
export { FormatError } from "../formatError";
export {
  BOOT_STORY_EVENT_IDS,
  BOOT_STORY_SOURCES,
  bootStory,
  parseCode,
  type BootFact,
  type BootFactKind,
  type BootStoryOptions,
} from "./bootStory";
export { escapeText, formatEvents, renderXml, selectEvents, type EventSelection } from "./events";
export * from "./limits";
export {
  readEvtx,
  FLAG_DIRTY,
  FLAG_FULL,
  type EvtxReadResult,
  type ReadEvtxOptions,
} from "./readEvtx";
export type { EvtxRecord } from "./record";
