/**
 * The regf (Windows registry hive) reader: open a hive held in memory, replaying its transaction
 * logs when it is dirty, read keys and values, and read the facts of a SYSTEM hive.
 */
export { openHive, Hive } from "./hive";
export type { OpenHiveOptions } from "./hive";
export { HiveKey } from "./key";
export type { HiveValue } from "./key";
export type { BaseBlock } from "./baseBlock";
export type { LogInput, ReplayReport, ReplaySource } from "./replay";
export { notATransactionLog } from "./replay";
export { typeName, decodeValue } from "./decode";
export type { ValueData } from "./decode";
export { jsonData } from "./facts";
export type { Citation, Fact, JsonData } from "./facts";
export { describeKey, formatKey, escapeText } from "./describe";
export type { KeyDescription } from "./describe";
export { systemFacts, controlSetName, START_NAMES } from "./systemFacts";
export type { CrashControlFacts, SelectFacts, ServiceFacts, SystemFacts } from "./systemFacts";
export { marvin32, REGISTRY_LOG_SEED } from "./marvin32";
export * from "./limits";
