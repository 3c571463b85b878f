import { expect } from "chai";
import { ConfigError, parseConfig, type RawConfig } from "../stacks/config";
import { readRawConfig } from "../tools/plan/offline";

/** The dev stack's config with some keys changed (undefined removes a key). */
function devWith(changes: Record<string, string | undefined>, stack = "dev"): RawConfig {
  const raw = readRawConfig({ stack });
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete raw.values[k];
    else raw.values[k] = v;
  }
  return raw;
}

function errorFor(changes: Record<string, string | undefined>, stack = "dev"): ConfigError {
  try {
    parseConfig(devWith(changes, stack), stack);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`no config error for ${JSON.stringify(changes)}`);
}

describe("config: every stack file in the repository is valid", () => {
  for (const stack of ["dev", "prod", "edge"]) {
    it(`Pulumi.${stack}.yaml parses without error`, () => {
      expect(() => parseConfig(readRawConfig({ stack }), stack)).not.to.throw();
    });
  }

  it("prod gets production defaults: per-AZ NAT, 14-day PITR, a bigger database", () => {
    const cfg = parseConfig(readRawConfig({ stack: "prod" }), "prod");
    expect(cfg.production).to.equal(true);
    expect(cfg.aws!.natGateways).to.equal("perAz");
    expect(cfg.aws!.dbBackupRetentionDays).to.equal(14);
    expect(cfg.aws!.dbInstanceClass).to.equal("db.t4g.medium");
  });

  it("dev gets cheap defaults: a single NAT gateway and 7-day PITR", () => {
    const cfg = parseConfig(readRawConfig({ stack: "dev" }), "dev");
    expect(cfg.production).to.equal(false);
    expect(cfg.aws!.natGateways).to.equal("single");
    expect(cfg.aws!.dbBackupRetentionDays).to.equal(7);
  });

  it("edge defaults to local sign-in, which needs no internet", () => {
    const cfg = parseConfig(readRawConfig({ stack: "edge" }), "edge");
    expect(cfg.auth.provider).to.equal("local");
    expect(cfg.edge!.nodeMemoryGi).to.equal(4);
  });
});

describe("config: bad values are refused with the key, the value and the fix", () => {
  it("a missing target names the key and the allowed values", () => {
    const e = errorFor({ target: undefined });
    expect(e.key).to.equal("datavis:target");
    expect(e.message).to.contain("aws, edge");
  });

  it("a CIDR that does not parse is refused", () => {
    const e = errorFor({ vpcCidr: "10.0.0.300/16" });
    expect(e.key).to.equal("datavis:vpcCidr");
    expect(e.message).to.contain("above 255");
  });

  it("a CIDR too small for three AZs of subnets is refused with a size that works", () => {
    const e = errorFor({ vpcCidr: "10.0.0.0/24" });
    expect(e.key).to.equal("datavis:vpcCidr");
    expect(e.message).to.match(/too small.*\/20.*10\.0\.0\.0\/16/);
  });

  it("a CIDR with host bits set names the network address to use instead", () => {
    expect(errorFor({ vpcCidr: "10.0.5.0/16" }).message).to.contain("10.0.0.0/16");
  });

  it("an unknown instance family is refused with the known families", () => {
    const e = errorFor({ systemNodeInstanceType: "x9.large" });
    expect(e.key).to.equal("datavis:systemNodeInstanceType");
    expect(e.message).to.contain('unknown instance family "x9"').and.to.contain("t3");
  });

  it("a node group that mixes Graviton and x86 instance types is refused", () => {
    const e = errorFor({ notebookInstanceTypes: '["m6i.large","m6g.large"]' });
    expect(e.key).to.equal("datavis:notebookInstanceTypes");
    expect(e.message).to.contain("mixes arm64");
  });

  it("a node count below 1 is refused", () => {
    const e = errorFor({ target: "edge", kubeconfig: "x", edgeNodeCount: "0" }, "edge");
    expect(e.key).to.equal("datavis:edgeNodeCount");
    expect(e.message).to.contain("allowed 1 to 1000");
  });

  it("a tenant name that is not a DNS label is refused", () => {
    const e = errorFor({ tenants: '[{"name":"Stats_101"}]' });
    expect(e.key).to.equal("datavis:tenants");
    expect(e.message).to.contain("tenants[0].name").and.to.contain("DNS label");
  });

  it("two tenants with the same name are refused", () => {
    expect(errorFor({ tenants: '[{"name":"a"},{"name":"a"}]' }).message).to.contain("used twice");
  });

  it("a tenant may not take a platform namespace", () => {
    expect(errorFor({ tenants: '[{"name":"kube-system"}]' }).message).to.contain("reserved");
  });

  it("a misspelt key is refused with the key it probably meant", () => {
    const e = errorFor({ tenats: "[]" });
    expect(e.key).to.equal("datavis:tenats");
    expect(e.message).to.contain("did you mean datavis:tenants");
  });

  it("an OAuth client secret kept in plain config is refused: it must be a Pulumi secret", () => {
    const raw = devWith({});
    raw.secretKeys.delete("authClientSecret");
    raw.values.authClientSecret = "plain-text";
    expect(() => parseConfig(raw, "dev")).to.throw(
      ConfigError,
      /pulumi config set --secret datavis:authClientSecret/,
    );
  });

  it("GitHub sign-in without an organization or user list is refused: anyone could sign in", () => {
    const e = errorFor({ authAllowedOrganizations: undefined });
    expect(e.key).to.equal("datavis:authAllowedOrganizations");
  });

  it("opening the Kubernetes API to 0.0.0.0/0 is refused", () => {
    const e = errorFor({ apiAllowedCidrs: '["0.0.0.0/0"]' });
    expect(e.key).to.equal("datavis:apiAllowedCidrs");
    expect(e.message).to.contain("whole internet");
  });

  it("prod refuses a database backup window under 14 days", () => {
    const e = errorFor({ dbBackupRetentionDays: "7" }, "prod");
    expect(e.key).to.equal("datavis:dbBackupRetentionDays");
    expect(e.message).to.contain("allowed 14 to 35");
  });

  it("an air-gapped edge site without a registry mirror is refused", () => {
    const e = errorFor({ airGapped: "true" }, "edge");
    expect(e.key).to.equal("datavis:registryMirror");
  });

  it("a boolean written as yes is refused with true/false", () => {
    expect(errorFor({ maintenanceMode: "yes" }).message).to.contain("use true or false");
  });
});
