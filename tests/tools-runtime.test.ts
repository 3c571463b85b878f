import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADMITTED_PER_WINDOW } from "../tools/plan/sdk-admission";
import { runStack } from "./harness";

const ROOT = path.resolve(__dirname, "..");

/** Runs `code` in a fresh Node process with the project's register hook, from the repository root. */
function node(code: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", code], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe("tools/register.js: TypeScript for the plan, the benchmarks and mocha", () => {
  it("loads the stack entry point, whose `export =` becomes the module itself", () => {
    const r = node('const m = require("./stacks/index.ts"); console.log(typeof m, m.length)');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("function 0");
  });

  it("drops `import type` and type-only imports instead of requiring them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-"));
    try {
      // Neither import names a file that exists: requiring either would fail.
      fs.writeFileSync(
        path.join(dir, "m.ts"),
        'import type { A } from "./missing-a";\nimport { type B } from "./missing-b";\n' +
          "export const value: A | B | number = 42;\n",
      );
      const r = node(`console.log(require(${JSON.stringify(path.join(dir, "m.ts"))}).value)`, {
        DATAVIS_TRANSPILE_CACHE: path.join(dir, "cache"),
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.equal("42");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a changed file is transpiled again, not served stale from the cache", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-"));
    try {
      const file = path.join(dir, "m.ts");
      const env = { DATAVIS_TRANSPILE_CACHE: path.join(dir, "cache") };
      fs.writeFileSync(file, "export const v: number = 1;\n");
      expect(node(`console.log(require(${JSON.stringify(file)}).v)`, env).stdout).to.equal("1");
      fs.writeFileSync(file, "export const v: number = 2;\n");
      expect(node(`console.log(require(${JSON.stringify(file)}).v)`, env).stdout).to.equal("2");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `code` after loading the offline runtime (and with it tools/plan/sdk-load.ts). */
const withOffline = (code: string) => node(`require("./tools/plan/offline.ts");\n${code}`);

describe("tools/plan/sdk-load.ts: the offline runtime loads less of the SDK", () => {
  it("the plan's process does not load the npm client or the TypeScript compiler", () => {
    const heavy = ["/@npmcli/arborist/lib/arborist/", "/typescript/lib/typescript.js"];
    const r = withOffline(
      `const loaded = Object.keys(require.cache);
       console.log(JSON.stringify(${JSON.stringify(heavy)}.map((m) => loaded.some((f) => f.includes(m)))));`,
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("[false,false]");
  });

  it("code that uses them still gets the real Arborist and TypeScript on first use", () => {
    const r = withOffline(
      'const sdk = require.resolve("@pulumi/pulumi/package.json").replace(/package\\.json$/, "");' +
        'const arb = require(require.resolve("@npmcli/arborist", { paths: [sdk + "runtime/closure"] }));' +
        'const ts = require(sdk + "typescript-shim.js");' +
        "console.log(typeof arb.Arborist, arb.Arborist.name, typeof ts.createSourceFile)",
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("function Arborist function");
  });
});

describe("tools/plan/sdk-pending.ts: a pending resource keeps less alive", () => {
  it("a resource's alias URNs and output properties are made when read, with the SDK's values", () => {
    // sdk-pending.ts makes them lazily (a pending resource keeps less alive); what a program reads is the same.
    const program = `
      const { recordProgram } = require("./tools/plan/offline.ts");
      const pulumi = require("@pulumi/pulumi");
      const mocks = { newResource: (a) => ({ id: "id-1", state: { ...a.inputs, out: "made" } }), call: () => ({}) };
      let res;
      const make = () => {
        const opts = { aliases: [{ name: "old-thing" }] };
        res = new pulumi.CustomResource("test:index:Thing", "thing", { size: 3, out: undefined }, opts);
      };
      recordProgram(make, { stack: "t", mocks }).then(async () => {
        const aliases = await Promise.all(res.__aliases.map((a) => a.promise()));
        const lazy = require("@pulumi/pulumi/resource").__offlineLazyAliases;
        console.log(JSON.stringify([lazy, aliases, await res.out.promise(), await res.size.promise()]));
        process.exit(0);
      });`;
    const r = node(program);
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([
      true,
      ["urn:pulumi:t::datavis::test:index:Thing::old-thing"],
      "made",
      3,
    ]);
  });
});

describe("tools/plan/sdk-urns.ts: a dependency's URN is read without its Output", () => {
  it("a resource that depends on a component does not make the URN Outputs of the component's pending children", () => {
    const program = `
      const { recordProgram } = require("./tools/plan/offline.ts");
      const pulumi = require("@pulumi/pulumi");
      const mocks = { newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: () => ({}) };
      const made = [];
      let reg;
      const make = () => {
        const comp = new pulumi.ComponentResource("test:index:Comp", "comp", {}, {});
        const children = ["a", "b"].map((n) => new pulumi.CustomResource("test:index:Thing", n, { n }, { parent: comp }));
        comp.registerOutputs({});
        reg = new pulumi.CustomResource("test:index:Thing", "after", {}, { dependsOn: [comp] });
        // Each registration is answered after a macrotask: by then the dependent has read both URNs.
        const monitor = pulumi.runtime.getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
          if (req.getName() === "a") made.push(...children.map((c) => typeof Object.getOwnPropertyDescriptor(c, "urn").get));
          setTimeout(() => register(req, cb), 5);
        };
      };
      recordProgram(make, { stack: "t", mocks }).then(async (run) => {
        const after = run.resources.find((r) => r.name === "after");
        console.log(JSON.stringify([made, after.dependencies]));
        process.exit(0);
      });`;
    const r = node(program);
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([
      // Still the offline runtime's accessor (no Output made) when the first child registers.
      ["function", "function"],
      [
        "urn:pulumi:t::datavis::test:index:Comp$test:index:Thing::a",
        "urn:pulumi:t::datavis::test:index:Comp$test:index:Thing::b",
      ],
    ]);
  });
});

describe("tools/plan/sdk-urns.ts: what the dev, prod and edge programs send as dependencies", () => {
  for (const stack of ["dev", "prod", "edge"]) {
    it(`${stack}: every dependency a resource is registered with is the URN of a resource the program registered`, async () => {
      // dev's Platform component was sent \`null\` for the Kubernetes provider: a URN read while the provider
      // was pending, then its Output made by ProviderResource.register before the answer (sdk-urns.ts).
      const run = await runStack(stack);
      const urns = new Set(run.resources.map((r) => r.urn));
      const unknown = run.resources.flatMap((r) =>
        r.dependencies.filter((d) => !urns.has(d)).map((d) => `${r.name} -> ${String(d)}`),
      );
      expect(unknown).to.deep.equal([]);
    });
  }
});

describe("tools/plan/sdk-admission.ts: a large program registers window by window", () => {
  it("dev with a class list of 100: the Kubernetes provider registers in the first window, not after every tenant's resource", () => {
    // The eks Cluster's answer holds resource references, read back with getResource; made after the first
    // window filled, they once waited behind every tenant's registration, and with them the provider.
    const r = node(`
      const { runOffline } = require("./tools/plan/offline.ts");
      const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
      let windows = 0;
      const count = () => { windows++; if (windows < 100) setImmediate(count); };
      setImmediate(count);
      let providerAt;
      const register = MockMonitor.prototype.registerResource;
      MockMonitor.prototype.registerResource = function (req, cb) {
        if (req.getName() === "cluster-k8s") providerAt = windows;
        return register.call(this, req, cb);
      };
      const tenants = Array.from({ length: 100 }, (_, i) => ({ name: "class-" + i, owners: ["t"] }));
      runOffline({ stack: "dev", overrides: { tenants: JSON.stringify(tenants) } }).then((run) => {
        console.log(JSON.stringify([run.resources.length, providerAt]));
        process.exit(0);
      });`);
    expect(r.status, r.stderr).to.equal(0);
    const [resources, providerWindow] = JSON.parse(r.stdout) as [number, number];
    expect(resources).to.be.above(3 * ADMITTED_PER_WINDOW);
    expect(providerWindow).to.equal(0);
  });
});

describe("tools/plan/sdk-load.ts: a pending resource keeps no preallocated stack trace", () => {
  it("a registration the mocks refuse still fails the program with the SDK's message naming the resource", () => {
    const program = `
      const { recordProgram } = require("./tools/plan/offline.ts");
      const pulumi = require("@pulumi/pulumi");
      console.log(require("@pulumi/pulumi/runtime/resource").__offlineNoPreallocatedStacks);
      const mocks = {
        newResource: (a) => { if (a.name === "bad") throw new Error("no such bucket"); return { id: "x", state: {} }; },
        call: () => ({}),
      };
      let res;
      recordProgram(() => { res = new pulumi.CustomResource("test:index:Thing", "bad", {}); }, { stack: "t", mocks })
        .then(() => res.urn.promise());`;
    const r = node(program);
    expect(r.stdout).to.equal("true");
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.include("failed to register new resource bad [test:index:Thing]: no such bucket");
  });
});
