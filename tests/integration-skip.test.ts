import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** `npm run test:integration` as a user runs it, on a machine with no Pulumi CLI, login or cloud credentials. */
function run(args: string[]) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "integration-home-"));
  const env: NodeJS.ProcessEnv = { PATH: path.dirname(process.execPath) + ":/usr/bin:/bin", HOME: home };
  return spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/integration/preview.ts", ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
}

describe("npm run test:integration without the Pulumi CLI or credentials", () => {
  it("exits 77 (skipped), never 0, and says it previewed nothing", () => {
    const r = run(["--stack", "dev"]);
    expect(r.status).to.equal(77);
    expect(r.stdout).to.contain("SKIPPED, nothing was previewed");
    expect(r.stdout).to.not.match(/\bpass/i);
  });

  it("lists what a real preview of an AWS stack needs", () => {
    const r = run(["--stack", "prod"]);
    expect(r.stdout).to.contain("the Pulumi CLI on PATH");
    expect(r.stdout).to.contain("a Pulumi backend");
    expect(r.stdout).to.contain("AWS credentials");
    expect(r.stdout).to.contain(
      "datavis:authClientSecret set for real (Pulumi.prod.yaml holds a placeholder)",
    );
  });

  it("asks an edge stack for its kubeconfig, not for AWS credentials", () => {
    const r = run(["--stack", "edge"]);
    expect(r.stdout).to.contain("datavis:kubeconfig set for real");
    expect(r.stdout).to.not.contain("AWS credentials");
  });

  it("rejects an unknown stack with exit 2 and one line naming the flag", () => {
    const r = run(["--stack", "staging"]);
    expect(r.status).to.equal(2);
    expect(r.stderr.trim()).to.equal('test:integration: --stack "staging": must be one of dev, prod, edge');
  });
});
