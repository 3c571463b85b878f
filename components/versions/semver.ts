/**
 * Semantic versions and the constraint language Helm uses for a chart's `kubeVersion` (Masterminds/semver
 * v3, which `helm install` calls through chartutil.IsCompatibleRange): `||` between alternatives, commas
 * or spaces between conditions that must all hold, the operators = != > >= < <= ~ ^, `x`/`*` wildcards and
 * `A - B` ranges.
 *
 * One rule matters for clusters: a version with a pre-release part (EKS reports `v1.36.3-eks-4096722`)
 * satisfies a condition only when that condition's own version has a pre-release part too. That is why
 * charts write `>=1.28.0-0`, and why `>=1.28.0` would refuse every EKS cluster.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers (`["eks", "4096722"]`); empty for a release. */
  prerelease: string[];
  /** The text it was read from. */
  raw: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/** Reads `1.36`, `v1.27.16+k3s1`, `1.28.0-0`; build metadata (`+k3s1`) is ignored as semver says. */
export function parseVersion(text: string): Version {
  const m = VERSION.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a version (expected e.g. 1.36, v1.31.4+k3s1, 4.0.4)`);
  return {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: m[4] ? m[4].split(".") : [],
    raw: text.trim(),
  };
}

function compareIdent(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Number(a) - Number(b);
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative, zero or positive as a sorts before, with or after b (semver 2.0.0 precedence). */
export function compareVersions(a: Version, b: Version): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d !== 0) return d;
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const c = compareIdent(a.prerelease[i], b.prerelease[i]);
    if (c !== 0) return c;
  }
  return a.prerelease.length - b.prerelease.length;
}

type Op = "=" | "!=" | ">" | ">=" | "<" | "<=";

/** One primitive condition after wildcards, `~` and `^` are expanded. */
interface Condition {
  op: Op;
  version: Version;
  /** Whether the condition as written carried a pre-release (then pre-release versions may match). */
  allowsPrerelease: boolean;
}

const TOKEN =
  /(\^|~>?|>=|=>|<=|=<|!=|>|<|=)?\s*(v?(?:\d+|[xX*])(?:\.(?:\d+|[xX*]))?(?:\.(?:\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)/g;

const isWild = (s: string | undefined) => s === undefined || /^[xX*]$/.test(s);

function v(major: number, minor: number, patch: number, prerelease: string[] = []): Version {
  return { major, minor, patch, prerelease, raw: `${major}.${minor}.${patch}` };
}

/** Expands one `op version` pair (wildcards, tilde, caret, partial versions) into primitive conditions. */
function expand(opText: string | undefined, text: string): Condition[] {
  const m = /^v?([^.+-]+)(?:\.([^.+-]+))?(?:\.([^.+-]+))?(?:-([0-9A-Za-z.-]+))?/.exec(text)!;
  const pre = m[4] ? m[4].split(".") : [];
  const allowsPrerelease = pre.length > 0;
  const [maj, min, pat] = [m[1], m[2], m[3]];
  const nMaj = isWild(maj) ? 0 : Number(maj);
  const nMin = isWild(min) ? 0 : Number(min);
  const nPat = isWild(pat) ? 0 : Number(pat);
  const low = v(nMaj, nMin, nPat, pre);
  const c = (op: Op, version: Version): Condition => ({ op, version, allowsPrerelease });
  // The first version past what the wildcard or partial version covers.
  const next = (): Version | undefined =>
    isWild(maj)
      ? undefined
      : isWild(min)
        ? v(nMaj + 1, 0, 0)
        : isWild(pat)
          ? v(nMaj, nMin + 1, 0)
          : undefined;
  let op = (opText ?? "=").replace("=>", ">=").replace("=<", "<=");
  if (op === "~>") op = "~";
  switch (op) {
    case "^": {
      const upper =
        nMaj > 0 || isWild(min)
          ? v(nMaj + 1, 0, 0)
          : nMin > 0 || isWild(pat)
            ? v(0, nMin + 1, 0)
            : v(0, 0, nPat + 1);
      return [c(">=", low), c("<", upper)];
    }
    case "~":
      return [c(">=", low), c("<", isWild(min) ? v(nMaj + 1, 0, 0) : v(nMaj, nMin + 1, 0))];
    case "=": {
      if (isWild(maj)) return [c(">=", v(0, 0, 0))];
      const upper = next();
      return upper ? [c(">=", low), c("<", upper)] : [c("=", low)];
    }
    case "!=": {
      const upper = next();
      // Outside [low, upper): expressed as a single condition checked specially below.
      return upper ? [{ op: "!=", version: low, allowsPrerelease }, c("!=", upper)] : [c("!=", low)];
    }
    case ">": {
      const upper = next();
      return upper ? [c(">=", upper)] : [c(">", low)];
    }
    case "<=": {
      const upper = next();
      return upper ? [c("<", upper)] : [c("<=", low)];
    }
    default:
      return [c(op as Op, low)];
  }
}

/** A parsed constraint: alternatives (`||`), each a list of conditions that must all hold. */
export interface Constraint {
  text: string;
  alternatives: { conditions: Condition[]; notIn?: [Version, Version][] }[];
}

export function parseConstraint(text: string): Constraint {
  if (!text.trim()) throw new Error("empty version constraint");
  const alternatives = text.split("||").map((group) => {
    // Hyphen ranges first: `1.2 - 1.4` means >=1.2 <=1.4.
    const g = group.replace(
      /(v?[\dxX*][\w.*+-]*)\s+-\s+(v?[\dxX*][\w.*+-]*)/g,
      (_all, a: string, b: string) => `>=${a} <=${b}`,
    );
    const conditions: Condition[] = [];
    const notIn: [Version, Version][] = [];
    let consumed = g.replace(/[\s,]/g, "");
    for (const t of g.matchAll(TOKEN)) {
      consumed = consumed.replace(t[0].replace(/\s/g, ""), "");
      const expanded = expand(t[1], t[2]);
      if (t[1] === "!=" && expanded.length === 2) notIn.push([expanded[0].version, expanded[1].version]);
      else conditions.push(...expanded);
    }
    if (consumed !== "")
      throw new Error(`"${text}" is not a version constraint (could not read "${consumed}")`);
    if (conditions.length === 0 && notIn.length === 0) throw new Error(`"${text}" has an empty alternative`);
    return { conditions, notIn };
  });
  return { text, alternatives };
}

function holds(c: Condition, x: Version): boolean {
  if (x.prerelease.length > 0 && !c.allowsPrerelease) return false;
  const d = compareVersions(x, c.version);
  switch (c.op) {
    case "=":
      return d === 0;
    case "!=":
      return d !== 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
  }
}

/** Whether `version` satisfies `constraint`, as `helm install` decides for a chart's kubeVersion. */
export function satisfies(version: string | Version, constraint: string | Constraint): boolean {
  const x = typeof version === "string" ? parseVersion(version) : version;
  const c = typeof constraint === "string" ? parseConstraint(constraint) : constraint;
  return c.alternatives.some(
    (alt) =>
      alt.conditions.every((cond) => holds(cond, x)) &&
      (alt.notIn ?? []).every(([lo, hi]) => compareVersions(x, lo) < 0 || compareVersions(x, hi) >= 0),
  );
}
