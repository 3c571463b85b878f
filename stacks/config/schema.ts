/**
 * The configuration schema: every key the program reads, in validation and README order, and the rules
 * across keys. The typed config, the error messages, the README table, the `pulumi new` prompts and the
 * JSON Schema for editors all come from these two lists.
 */
import type { AppliesTo, KeyDef } from "./kit";
import { AWS_KEYS } from "./keys-aws";
import { EDGE_KEYS } from "./keys-edge";
import { PLATFORM_KEYS } from "./keys-platform";
import { SETTINGS_KEYS } from "./keys-settings";

export { RULES, type Rule } from "./rules";

export const KEYS: KeyDef[] = [...PLATFORM_KEYS, ...SETTINGS_KEYS, ...AWS_KEYS, ...EDGE_KEYS];

/** Documentation of one key; the README's table is generated from this list. */
export interface KeySpec {
  key: string;
  appliesTo: AppliesTo;
  default: string;
  description: string;
  secret?: boolean;
}

/** Every key in the `datavis:` namespace, as the README documents it (provider keys are Pulumi's). */
export const CONFIG_KEYS: KeySpec[] = KEYS.filter((k) => !k.key.includes(":")).map((k) => ({
  key: k.key,
  appliesTo: k.appliesTo,
  default: k.doc!.default,
  description: k.doc!.description,
  ...(k.kind === "secret" ? { secret: true } : {}),
}));
