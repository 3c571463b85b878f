/**
 * Every configuration key the program reads, declared once as a zod schema (schema.ts and the keys-*.ts
 * files it gathers), and the parser that turns a stack's raw config into the typed `PlatformConfig`.
 * `import ... from "./config"` keeps working for the stacks, tools and tests.
 */
export { ConfigError, PROJECT } from "./kit";
export { loadConfig, parseConfig, type RawConfig } from "./parse";
export { CONFIG_KEYS, KEYS, RULES, type KeySpec } from "./schema";
export { EDGE_NODE_MODELS } from "./keys-edge";
export type * from "./types";
// AWS catalogue facts now live beside the AWS components; re-exported for existing importers.
export { EC2_FAMILIES, RDS_FAMILIES, instanceArch } from "../../components/aws/catalogue";
