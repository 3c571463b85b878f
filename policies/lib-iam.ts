/**
 * IAM policy documents: statements, and what an Allow statement grants (pure helpers for the AWS rules).
 */
import { asArray, get } from "./lib";

export interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Statements of a policy document given as JSON text or as an object; [] when it cannot be read. */
export function statements(doc: unknown): Statement[] {
  let d: any = doc;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return [];
    }
  }
  if (!d || typeof d !== "object") return [];
  return asArray(d.Statement ?? d.statement ?? d.statements).filter((s) => s && typeof s === "object");
}

function actionsOf(s: Statement): string[] {
  return asArray(s.Action).map((a) => String(a).toLowerCase());
}

/** An Allow statement granting every action on every resource (`*` or `*:*` on `*`), or NotAction on `*`. */
export function isFullAdmin(s: Statement): boolean {
  if ((s.Effect ?? "Allow") !== "Allow") return false;
  const resources = asArray(s.Resource).map(String);
  if (!resources.includes("*")) return false;
  if (s.NotAction !== undefined) return true;
  return actionsOf(s).some((a) => a === "*" || a === "*:*");
}

/** Service-wide wildcard actions (`s3:*`, `iam:*`, `*`) an Allow statement grants. */
export function wildcardActions(s: Statement): string[] {
  if ((s.Effect ?? "Allow") !== "Allow") return [];
  return actionsOf(s).filter((a) => a === "*" || a === "*:*" || /^[a-z0-9-]+:\*$/.test(a));
}

/** Whether an IAM action pattern (`s3:Put*`, `kms:*`, `*`) matches `action`, case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
    "i",
  );
  return re.test(action);
}

/** An Allow statement granting `action` (directly, through a wildcard, or through NotAction). */
export function grantsAction(s: Statement, action: string): boolean {
  if ((s.Effect ?? "Allow") !== "Allow") return false;
  if (s.NotAction !== undefined) return !asArray(s.NotAction).some((a) => actionMatches(String(a), action));
  return asArray(s.Action).some((a) => actionMatches(String(a), action));
}

/** A statement whose principal is everyone (`"*"` or `{AWS: "*"}`) and which no condition narrows. */
export function isPublicPrincipal(s: Statement): boolean {
  const p = s.Principal;
  const everyone = p === "*" || asArray(get(p, "AWS")).map(String).includes("*");
  return everyone && (s.Condition === undefined || Object.keys(s.Condition).length === 0);
}
