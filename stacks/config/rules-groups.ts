/**
 * Rules for `tenants[].groups`: a group mapping must be able to match, or its students are refused a server
 * with no hint why. Groups reach the hub only from an identity provider that has them and that the platform
 * configures for them (components/platform/notebooks/hub-groups.ts): GitHub teams and Entra groups.
 */
import type { Rule } from "./rules";
import type { Values } from "./kit";

/** GitHub's team form, as allowed_organizations takes it: `org:team-slug` (the team's name in its URL). */
const GITHUB_TEAM = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}:[A-Za-z0-9_.-]+$/;

/** Each (tenant index, group) pair, in declaration order. */
function groupsOf(v: Values): { i: number; group: string }[] {
  return (v.tenants as { groups: string[] }[]).flatMap((t, i) => t.groups.map((group) => ({ i, group })));
}

export const GROUP_RULES: Rule[] = [
  {
    key: "tenants",
    appliesTo: "all",
    after: "authProvider",
    check: (v) => {
      const first = groupsOf(v)[0];
      if (!first) return undefined;
      const where = `tenants[${first.i}]`;
      if (v.authProvider === "local")
        return (
          `${where}.groups: local sign-in (NativeAuthenticator) has no groups, so "${first.group}" would never ` +
          `match; list the students under ${where}.members instead`
        );
      if (v.authProvider === "google")
        // OAuthenticator 17.4.0 google.py: groups need google_service_account_keys and gsuite_administrator
        // (a Workspace service account with domain-wide delegation), which this platform does not configure.
        return (
          `${where}.groups: Google groups need a Workspace service account and administrator this platform ` +
          `does not configure, so "${first.group}" would never match; list the students under ${where}.members instead`
        );
      return undefined;
    },
  },
  {
    key: "tenants",
    appliesTo: "all",
    after: "authProvider",
    check: (v) => {
      if (v.authProvider !== "github") return undefined;
      const bad = groupsOf(v).find((g) => !GITHUB_TEAM.test(g.group));
      return bad
        ? `tenants[${bad.i}].groups: "${bad.group}" is not a GitHub team; write it org:team-slug, as in the ` +
            `team's address https://github.com/orgs/<org>/teams/<team-slug>`
        : undefined;
    },
  },
];
