import { expect } from "chai";
import fc from "fast-check";
import { CONFIG_KEYS, ConfigError, parseConfig, PROJECT } from "../stacks/config";
import { readRawConfig, runOffline } from "../tools/plan/offline";
import { planCli } from "./harness";

/** Values a hurried or hostile user might type, as Pulumi hands them to the program: strings. */
const hostileValue = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "null",
    "~",
    "yes",
    "NaN",
    "Infinity",
    "1e309",
    "-1",
    "0",
    "99999999999999999999",
    "[]",
    "{}",
    "[{}]",
    "[null]",
    '[{"name":"a"}]',
    '[{"name":""}]',
    '[{"name":"ok","cpu":-1}]',
    '[{"name":"ok","owners":"me"}]',
    '["0.0.0.0/0"]',
    '["10.0.0.0/8"]',
    "0x10",
    ": foo",
    "- a\n- b",
    "'''",
    "true",
    "false",
    "10.0.0.0/16",
    "10.0.0.0/33",
    "m6g.large",
    "db.t4g.micro",
    "aws",
    "edge",
    "local",
    "entra",
    "\u0000",
    "💥",
    "<script>alert(1)</script>",
    "a".repeat(5000),
  ),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.json(),
);

const anyKey = fc.constantFrom(...CONFIG_KEYS.map((k) => k.key), "aws:region", "unknownKey", "tenant");

/** A named, one-line config error; never a crash or a stack trace. */
function isCleanConfigError(e: unknown): boolean {
  return (
    e instanceof ConfigError &&
    e.message.startsWith(`config ${e.key}:`) &&
    e.key.includes(":") &&
    !e.message.includes("\n    at ")
  );
}

// The work is bounded (a fixed number of runs with a fixed seed), not the time: on a loaded machine these
// take longer but never fail for it, so mocha's wall-clock timeout is off here.
describe("config: hostile values never crash the program", function () {
  this.timeout(0);

  it("any mix of random values is either a valid config or a ConfigError naming a key (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("dev", "prod", "edge"),
        fc.dictionary(anyKey, hostileValue, { minKeys: 1, maxKeys: 4 }),
        fc.boolean(),
        (stack, changes, asSecret) => {
          const raw = readRawConfig({ stack });
          for (const [k, v] of Object.entries(changes)) {
            raw.values[k] = v;
            if (asSecret) raw.secretKeys.add(k);
          }
          try {
            parseConfig(raw, stack);
          } catch (e) {
            if (!isCleanConfigError(e)) throw e;
            const key = (e as ConfigError).key.replace(`${PROJECT}:`, "");
            // The key named is one the user set (or one their change made required).
            expect(key.length).to.be.greaterThan(0);
          }
        },
      ),
      { numRuns: 2000, seed: 20261125 },
    );
  });

  it("random values the config accepts also evaluate to a full program without error (fast-check)", async () => {
    // Values chosen so that many combinations are valid: the program must cope with every accepted one.
    const plausible = fc.record({
      azCount: fc.constantFrom("2", "3"),
      activeUsers: fc.integer({ min: 0, max: 100000 }).map(String),
      maintenanceMode: fc.constantFrom("true", "false"),
      notebookStorageGi: fc.integer({ min: 1, max: 16384 }).map(String),
      tenants: fc
        .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), { maxLength: 5 })
        .map((names) => JSON.stringify(names.map((name) => ({ name })))),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("dev", "edge"), plausible, async (stack, overrides) => {
        try {
          const run = await runOffline({ stack, overrides });
          expect(run.resources.length).to.be.greaterThan(0);
        } catch (e) {
          if (!isCleanConfigError(e)) throw e;
        }
      }),
      { numRuns: 8, seed: 20261125 },
    );
  });

  for (const [key, value] of [
    ["tenants", "- a\n- b"],
    ["vpcCidr", "💥"],
    ["edgeNodeCount", "1e309"],
  ] as const) {
    it(`the plan command exits 2 with one line naming ${key} for ${JSON.stringify(value)}, no stack trace`, () => {
      const stack = key === "edgeNodeCount" ? "edge" : "dev";
      const r = planCli(["--stack", stack, "--json", "--config", `${key}=${value}`]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split("\n")).to.have.lengthOf(1);
      expect(r.stderr).to.contain(`datavis:${key}`);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });
  }
});
