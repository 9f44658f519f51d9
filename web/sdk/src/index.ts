export * from "./types";
export * from "./featureTypes";
export * from "./errors";
export * from "./client";
export * from "./realtime";
export * from "./messages";
export * from "./outbox";
export * from "./sync";
