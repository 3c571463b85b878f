/**
 * The vocabulary the config schema is declared in: one `KeyDef` per key, built from a zod schema of the
 * value as it is written in `Pulumi.<stack>.yaml`, plus what the README, the `pulumi new` prompts and the
 * JSON Schema for editors say about it.
 *
 * Every check carries its own one-line message (value, what is allowed, the fix), so an error is the
 * message of the first zod issue, prefixed with the key.
 */
import { z } from "zod";
import { EC2_FAMILIES, INSTANCE_SIZES, instanceArch } from "../../components/aws/catalogue";

export const PROJECT = "datavis";

/** Which target reads a key. */
export type AppliesTo = "all" | "aws" | "edge";

/** A configuration value that is missing or wrong. The message names the key, the value and the fix. */
export class ConfigError extends Error {
  constructor(
    public readonly key: string,
    detail: string,
  ) {
    super(`config ${key}: ${detail}`);
    this.name = "ConfigError";
  }
}

/** The typed values read so far, by key (without `datavis:`); rules and defaults read earlier keys. */
export type Values = Record<string, any>;

/**
 * How the string Pulumi hands the program becomes the value the schema checks: as is (`text`, `enum`,
 * `secret`), a whole number (`int`), `true`/`false` (`bool`), or JSON (`list`, `json`: Pulumi passes a
 * YAML list or object as JSON text).
 */
export type Kind = "text" | "enum" | "int" | "bool" | "list" | "json" | "secret";

export interface KeyDef {
  /** Without the `datavis:` namespace; provider keys keep theirs (`aws:region`). */
  key: string;
  kind: Kind;
  /** The value as written in the stack file; also the source of the JSON Schema for editors. */
  schema: z.ZodType;
  /** A stricter schema in some contexts (prod's longer backup window); same kind as `schema`. */
  schemaIn?: (v: Values) => z.ZodType;
  appliesTo: AppliesTo;
  /** The value when the key is unset or empty; a function of the keys read before it. */
  default?: string | number | boolean | unknown[] | ((v: Values) => unknown);
  /** Unset is an error (always, or depending on earlier keys). */
  required?: boolean | ((v: Values) => boolean);
  /** Read only when this holds; otherwise the key's value is its default and the stack's value is ignored. */
  when?: (v: Values) => boolean;
  /** Checked only when this holds; otherwise any string is taken as is. */
  checkedWhen?: (v: Values) => boolean;
  /** The schema's output would reorder the user's object keys: keep the parsed JSON instead. */
  keepInput?: boolean;
  /** README row: default as a reader should see it, and what the key sets. Provider keys have none. */
  doc?: { default: string; description: string };
  /** A question `pulumi new` asks, with its suggested answer. */
  prompt?: { description: string; default?: string };
}

export function key(def: KeyDef): KeyDef {
  return def;
}

/** Shows a user's value in a message: quoted, and cut at 60 characters. */
export function show(v: unknown): string {
  const s = String(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** A string matching `pattern`; `expect` says what a valid value looks like. */
export function text(pattern: RegExp, expect: string) {
  const bad = { error: (iss: { input?: unknown }) => `${show(iss.input)} is not valid: expected ${expect}` };
  return z.string(bad).regex(pattern, bad);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => `${show(iss.input)} is not allowed: use one of ${values.join(", ")}`,
  });
}

export function int(min: number, max: number) {
  const range = {
    error: (iss: { input?: unknown }) => `${iss.input} is out of range: allowed ${min} to ${max}`,
  };
  return z.number(range).min(min, range).max(max, range).int(range);
}

const NOT_A_LIST = { error: 'must be a list of strings, e.g. ["a", "b"]' };

/** A list of distinct strings, each matching `item` when given. */
export function list(item?: { pattern: RegExp; expect: string }) {
  const str = z.string(NOT_A_LIST);
  return distinct(
    item
      ? str.regex(item.pattern, {
          error: (iss) => `item ${show(iss.input)} is not valid: expected ${item.expect}`,
        })
      : str,
  );
}

function distinct<T extends z.ZodType<string>>(item: T) {
  return z
    .array(item, NOT_A_LIST)
    .refine((l) => new Set(l).size === l.length, { error: "has duplicate items" });
}

/** The catalogue's rule for an instance type as one regular expression (for editors). */
function instanceTypePattern(families: string[], prefix = ""): RegExp {
  return new RegExp(`^${prefix.replace(".", "\\.")}(${families.join("|")})\\.(${INSTANCE_SIZES.join("|")})$`);
}

/**
 * `<prefix><family>.<size>` with a family and a size of the AWS catalogue. The messages name the part that
 * is wrong; the trailing regex check only gives editors (JSON Schema) the same rule as a pattern.
 */
export function instanceType(families: string[], prefix = "") {
  const form = new RegExp(`^${prefix.replace(".", "\\.")}([a-z0-9]+)\\.([a-z0-9]+)$`);
  return z
    .string(NOT_A_LIST)
    .check(
      z.superRefine((type, ctx) => {
        const m = form.exec(type);
        const fail = (message: string) => ctx.addIssue({ code: "custom", message, input: type });
        if (!m)
          fail(
            `"${type}" is not an instance type of the form ${prefix}<family>.<size>, e.g. ${prefix}${families[0]}.large`,
          );
        else if (!families.includes(m[1]))
          fail(`"${type}": unknown instance family "${m[1]}"; known families: ${families.join(", ")}`);
        else if (!INSTANCE_SIZES.includes(m[2]))
          fail(`"${type}": unknown size "${m[2]}"; sizes: ${INSTANCE_SIZES.join(", ")}`);
      }),
    )
    .regex(instanceTypePattern(families, prefix));
}

/**
 * Spot instance types of one node group: distinct and at least one (checked first, on the whole list),
 * then each type, then one CPU architecture for all.
 */
export function instanceTypeList() {
  return distinct(z.string(NOT_A_LIST))
    .min(1, { error: "must name at least one instance type" })
    .meta({ items: { type: "string", pattern: instanceTypePattern(EC2_FAMILIES).source } })
    .pipe(
      z.array(instanceType(EC2_FAMILIES)).refine((types) => new Set(types.map(instanceArch)).size <= 1, {
        error: "mixes arm64 (Graviton) and x86_64 types; one node group runs one architecture",
      }),
    );
}

/** A value kept encrypted in the stack file (`pulumi config set --secret`). */
export function secret() {
  return z.string();
}
