/**
 * What the schema says to people and editors: the `template:` section of Pulumi.yaml (the questions
 * `pulumi new` asks) and the JSON Schema of a `Pulumi.<stack>.yaml` file. tools/docs/config-table.ts writes
 * both; tests fail when the committed files and the schema disagree.
 */
import { z } from "zod";
import { PROJECT, type KeyDef } from "./kit";
import { KEYS } from "./schema";

const fq = (key: string) => (key.includes(":") ? key : `${PROJECT}:${key}`);

export const TEMPLATE_DESCRIPTION =
  "Data-science platform distribution: JupyterHub, Spark, Grafana and scheduled notebooks on AWS (EKS) or edge (k3s)";

/** Pulumi.yaml's `template:` section, from every key with a prompt, in validation order. */
export function templateSection(): string {
  const lines = ["template:", `  description: ${JSON.stringify(TEMPLATE_DESCRIPTION)}`, "  config:"];
  for (const k of KEYS) {
    if (!k.prompt) continue;
    lines.push(`    ${fq(k.key)}:`, `      description: ${JSON.stringify(k.prompt.description)}`);
    if (k.prompt.default !== undefined) lines.push(`      default: ${JSON.stringify(k.prompt.default)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Replaces the `template:` section (the file's last) of Pulumi.yaml's text. */
export function withTemplate(pulumiYaml: string): string {
  const at = pulumiYaml.search(/^template:/m);
  if (at < 0) throw new Error("Pulumi.yaml has no template: section");
  return pulumiYaml.slice(0, at) + templateSection();
}

/** The JSON Schema of one key's value as written in the stack file. */
function valueSchema(k: KeyDef): Record<string, unknown> {
  const doc = k.doc
    ? `${k.doc.description} (default: ${k.doc.default}; ${k.appliesTo})`
    : k.prompt?.description;
  if (k.kind === "secret") {
    // Plain text is refused by the program too: a secret must be set with `pulumi config set --secret`.
    return {
      description: `${doc}. Set with: pulumi config set --secret ${fq(k.key)} <value>`,
      type: "object",
      properties: { secure: { type: "string" } },
      required: ["secure"],
      additionalProperties: false,
    };
  }
  const schema: Record<string, unknown> = z.toJSONSchema(k.schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-7",
  });
  delete schema.$schema;
  return { description: doc, ...schema };
}

/**
 * JSON Schema of a Pulumi.<stack>.yaml file, for editors. Draft 7: the newest draft yaml-language-server
 * (VS Code's YAML extension) documents as supported ("Supports JSON Schema 7 and below", its README).
 */
export function stackConfigSchema(): Record<string, unknown> {
  const known = KEYS.map((k) => fq(k.key));
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: `Pulumi.<stack>.yaml of the ${PROJECT} project`,
    description: "Generated from stacks/config by `npm run docs:config`; do not edit.",
    type: "object",
    properties: {
      config: {
        type: "object",
        properties: Object.fromEntries(KEYS.map((k) => [fq(k.key), valueSchema(k)])),
        required: KEYS.filter((k) => k.required === true && !k.when && k.appliesTo === "all").map((k) =>
          fq(k.key),
        ),
        // Keys a target requires (acmeEmail on aws, kubeconfig on edge).
        allOf: (["aws", "edge"] as const).map((target) => ({
          if: { properties: { [fq("target")]: { const: target } }, required: [fq("target")] },
          then: {
            required: KEYS.filter((k) => k.required === true && !k.when && k.appliesTo === target).map((k) =>
              fq(k.key),
            ),
          },
        })),
        // Another namespace (aws:, pulumi:, kubernetes:) is Pulumi's; an unknown datavis: key is a typo.
        propertyNames: { anyOf: [{ enum: known }, { not: { pattern: `^${PROJECT}:` } }] },
      },
    },
  };
}
