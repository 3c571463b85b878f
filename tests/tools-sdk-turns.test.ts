/**
 * The offline runtime's shortcuts through the Pulumi SDK (tools/plan/sdk-serialize.ts, sdk-outputs.ts) hand
 * back the SDK's values on the SDK's microtask turns, in the same order: each script below runs once
 * under the SDK as it ships and once under the offline runtime, recording every result with the turn it
 * arrived on, and the two records must be equal. The order in which resources register (and so every
 * plan) depends on those turns.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { ADMITTED_PER_WINDOW } from "../tools/plan/sdk-admission";

const ROOT = path.resolve(__dirname, "..");

/** Counts microtask turns: one step per turn, for `turns` turns, then prints what `seen` holds. */
const TURNS = `
  const seen = [];
  let turn = 0;
  const note = (label) => (v) => seen.push([label, turn, v]);
  const report = (turns) => (async () => {
    while (turn < turns) { await null; turn++; }
    console.log(JSON.stringify(seen, (k, v) => (v === undefined ? "<undefined>" : v instanceof Set ? [...v] : v)));
  })();
`;

/** Runs `code` under the SDK as it ships and under the offline runtime; returns both outputs. */
function both(code: string): { sdk: string; offline: string } {
  const run = (prelude: string) => {
    const r = spawnSync(
      process.execPath,
      ["-r", "./tools/register.js", "-e", `${prelude}\n${TURNS}\n${code}`],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.trim();
  };
  return {
    sdk: run('require("@pulumi/pulumi");'),
    offline: run('require("./tools/plan/offline.ts");'),
  };
}

describe("tools/plan/sdk-serialize.ts: plain data serialized in one pass, on the SDK's turns", () => {
  it("the shortcuts apply to the pinned SDK", () => {
    const { offline } = both(
      'console.log(require("@pulumi/pulumi/runtime/rpc").__offlinePlainSerialization, ' +
        'require("@pulumi/pulumi/runtime/rpc").__offlinePlainProperties, ' +
        'require("@pulumi/pulumi/runtime/resource").__offlinePlainAliases, ' +
        'require("@pulumi/pulumi/runtime/resource").__offlineLazyIds, ' +
        'require("@pulumi/pulumi/runtime/resource").__offlineBoundedRegistrations)',
    );
    expect(offline).to.equal("true true true true true");
  });

  it("serializeProperty gives the SDK's value on the SDK's turn, for plain data and data with Outputs in it", () => {
    const { sdk, offline } = both(`
      const rpc = require("@pulumi/pulumi/runtime/rpc");
      const pulumi = require("@pulumi/pulumi");
      const cases = [
        1, "s", true, undefined, null, () => 1, [], {}, [undefined, 2], [1, [2, {}], "x"],
        { a: 1, b: { c: [1, 2, { d: undefined }], e: () => 0 }, f: [], g: null },
        { labels: { "app.kubernetes.io/name": "x" }, spec: { ports: [{ port: 80, protocol: "TCP" }] } },
        { name: "n", namespace: pulumi.output("ns"), labels: { a: "b" } },
        { p: Promise.resolve({ b: [1, { c: 2 }] }), q: [pulumi.secret("s"), { x: [1] }] },
        Object.assign(Object.create(null), { bare: { y: 1 } }),
        [pulumi.output(1), undefined, [pulumi.output([2, pulumi.output(3)])], { f: () => 0, u: undefined }],
        { a: undefined, b: pulumi.output(undefined), c: [], d: {}, e: [pulumi.output({ g: null })], h: () => 1 },
        Object.assign(Object.create(null), { o: pulumi.output("bare") }),
      ];
      cases.forEach((c, i) => rpc.serializeProperty("ctx", c, new Set(), {}).then(note(i)));
      report(300);`);
    expect(JSON.parse(offline)).to.have.length(18);
    expect(offline).to.equal(sdk);
  });

  it("a resource's properties, all plain data or not, serialize to the SDK's values and dependencies on the SDK's turn", () => {
    const { sdk, offline } = both(`
      const rpc = require("@pulumi/pulumi/runtime/rpc");
      const pulumi = require("@pulumi/pulumi");
      const cases = [
        {},
        { a: 1 },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { a: "b" } }, data: { f: "1", g: "2" } },
        { skip: () => 0, none: undefined, list: [1, [2, {}], undefined], id: "i", urn: "u" },
        { name: "n", ns: pulumi.output("ns"), spec: { replicas: 2 } },
      ];
      cases.forEach((c, i) => {
        rpc.serializeProperties("p", c).then(note("all-" + i));
        rpc.serializeResourceProperties("r", c, {}).then(([v, deps]) => note("res-" + i)([v, [...deps].map(([k, d]) => [k, d.size])]));
      });
      report(200);`);
    expect(JSON.parse(offline)).to.have.length(10);
    expect(offline).to.equal(sdk);
  });

  it("an Output of any kind serializes to the SDK's value and dependencies on the SDK's turn, resolved early or late", () => {
    const { sdk, offline } = both(`
      const rpc = require("@pulumi/pulumi/runtime/rpc");
      const pulumi = require("@pulumi/pulumi");
      const { Output } = require("@pulumi/pulumi/output");
      const res = new pulumi.DependencyResource("urn:pulumi:s::p::t:m:T::r");
      const ends = [];
      const pending = (v, known = true, secret = false) => {
        const ps = [v, known, secret, [res]].map((x) => new Promise((r) => ends.push(() => r(x))));
        return new Output(new Set([res]), ...ps);
      };
      const cases = [
        pulumi.output("s"),
        pulumi.output({ a: { b: [1, 2] } }),
        pulumi.secret({ k: "v" }),
        pulumi.output(pulumi.output(3)),
        pulumi.output({ inner: pulumi.output("x"), list: [pulumi.secret(1)] }),
        pulumi.output(Promise.resolve({ p: 1 })),
        pending("late"),
        pending({ x: [1, { y: 2 }] }, true, true),
        pending(undefined, false),
        pending("u", false, true),
        pending(pulumi.output("wrapped")),
      ];
      cases.forEach((c, i) => {
        const deps = new Set();
        rpc.serializeProperty("ctx", c, deps, {}).then((v) => note(i)([v, [...deps].map((r) => r.__pulumiType ?? typeof r)]));
      });
      Promise.resolve().then(() => Promise.resolve()).then(() => ends.forEach((f) => f()));
      report(120);`);
    expect(JSON.parse(offline)).to.have.length(11);
    expect(offline).to.equal(sdk);
  });

  it("a property that depends on no resource gets its empty set of URNs on the SDK's turn", () => {
    const { sdk, offline } = both(`
      const dep = require("@pulumi/pulumi/runtime/dependsOn");
      dep.getAllTransitivelyReferencedResourceURNs(new Set(), new Set()).then(note("empty"));
      report(40);`);
    expect(offline).to.equal(sdk);
    expect(JSON.parse(offline)).to.deep.equal([["empty", 5, []]]);
  });
});

/** Sets up the SDK's mock runtime and records each registration: name, aliases, inputs, on which turn. */
const MOCKS = `
  const pulumi = require("@pulumi/pulumi");
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const register = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (req, cb) {
    const aliases = req.getAliasesList().map((a) => a.toObject());
    note("register")([req.getName(), aliases, req.getObject().toJavaScript()]);
    return register.call(this, req, cb);
  };
  const mocks = { newResource: (a) => ({ id: a.name + "-id", state: { ...a.inputs, out: a.name + "-out" } }), call: () => ({}) };
`;

describe("tools/plan/sdk-serialize.ts and sdk-outputs.ts: resources register as under the SDK", () => {
  it("resources with aliases and inputs of every shape register in the SDK's order, with the SDK's aliases", () => {
    const { sdk, offline } = both(`${MOCKS}
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        const mk = (name, props, opts) => new pulumi.CustomResource("test:index:Thing", name, { ...props, out: undefined }, opts);
        const a = mk("a", { size: 3, tags: { x: "y" } }, { aliases: [{ type: "test:old:Thing" }] });
        const b = mk("b", { ref: a.out, deep: { list: [1, { k: a.id }] } }, { aliases: [{ name: "old-b" }, "urn:pulumi:s::p::test:index:Thing::b0"] });
        mk("c", { spec: { a: [1, 2, 3], b: { c: { d: {} } } } }, { aliases: [{ type: "test:old:Thing", parent: pulumi.rootStackResource }] });
        mk("d", { from: b.out.apply((v) => v + "!") }, { dependsOn: [a] });
        mk("e", {}, { aliases: [{ type: pulumi.output("test:older:Thing") }] });
        mk("f", { urnOfA: a.urn }, { parent: a });
      });
      report(600);`);
    expect(JSON.parse(offline).map((r: unknown[]) => (r[2] as unknown[])[0])).to.deep.equal([
      "a",
      "c",
      "e",
      "f",
      "b",
      "d",
    ]);
    expect(offline).to.equal(sdk);
  });

  it("a dependency on a component gets its children's URNs on the SDK's turns, and registers in the SDK's order", () => {
    const { sdk, offline } = both(`${MOCKS}
      const dep = require("@pulumi/pulumi/runtime/dependsOn");
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        const comp = new pulumi.ComponentResource("test:index:Comp", "comp", {}, {});
        const mk = (name, props, opts) => new pulumi.CustomResource("test:index:Thing", name, { ...props, out: undefined }, opts);
        const a = mk("a", { size: 3 }, { parent: comp });
        const b = mk("b", { ref: a.out }, { parent: comp });
        const c = mk("c", { x: 1 }, { parent: comp });
        c.urn.apply(note("c-urn"));
        mk("d", { y: 2 }, { dependsOn: [comp] });
        mk("e", { z: b.out }, { dependsOn: [comp, a] });
        dep.getAllTransitivelyReferencedResourceURNs(new Set([comp]), new Set()).then(note("urns"));
        dep.getAllTransitivelyReferencedResourceURNs(new Set([a, c]), new Set([c])).then(note("a"));
        comp.registerOutputs({});
      });
      report(600);`);
    expect(
      JSON.parse(offline).map((r: unknown[]) => (r[0] === "register" ? (r[2] as unknown[])[0] : r[0])),
    ).to.deep.equal(["comp", "a", "c", "c-urn", "a", "b", "urns", "d", "e"]);
    expect(offline).to.equal(sdk);
  });

  it("resources made on every turn around their dependencies' answers register in the SDK's order", () => {
    // Dependencies read before, on and after the turns of an answer (sdk-urns.ts, sdk-properties.ts,
    // sdk-output-values.ts): resources registering on one turn must keep the SDK's order among themselves.
    const { sdk, offline } = both(`${MOCKS}
      const R = Promise.resolve();
      const at = (k, f) => { let n = k; const s = () => (n-- > 0 ? R.then(s) : f()); s(); };
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        const mk = (name, props, opts) => new pulumi.CustomResource("test:index:Thing", name, props, opts);
        const a = mk("a", { size: 3 });
        const b = mk("b", { size: 4 });
        const comp = new pulumi.ComponentResource("test:index:Comp", "comp", {}, {});
        const c1 = mk("c1", { x: 1 }, { parent: comp });
        mk("c2", { y: c1.x }, { parent: comp });
        comp.registerOutputs({});
        for (let k = 0; k < 70; k++)
          at(k, () => {
            mk("d" + k, { k }, { dependsOn: [a] });
            mk("e" + k, { k }, { dependsOn: [a, b] });
            mk("f" + k, { k, s: a.size, m: { t: b.size } });
            mk("g" + k, { k }, { dependsOn: [comp] });
          });
        at(45, () => a.urn.apply(note("a-urn")));
        // Read while b is pending, after resources that depend on it read its URN.
        at(2, () => b.urn.apply(note("b-urn")));
      });
      report(400);`);
    expect(JSON.parse(offline)).to.have.length(287);
    expect(offline).to.equal(sdk);
  });

  it("a dependency whose URN is read while it is pending, and its URN Output made before its answer, is sent with its URN", () => {
    // The plan of dev had \`null\` among the Platform component's dependencies (the Kubernetes provider's
    // URN): read through the component, then its \`urn\` Output made by another reader before the answer.
    const { sdk, offline } = both(`${MOCKS}
      const R = Promise.resolve();
      const at = (k, f) => { let n = k; const s = () => (n-- > 0 ? R.then(s) : f()); s(); };
      const noted = MockMonitor.prototype.registerResource;
      MockMonitor.prototype.registerResource = function (req, cb) {
        note("deps")([req.getName(), req.getDependenciesList()]);
        return noted.call(this, req, cb);
      };
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        const mk = (name, props, opts) => new pulumi.CustomResource("test:index:Thing", name, props, opts);
        for (let k = 0; k < 12; k++) {
          const comp = new pulumi.ComponentResource("test:index:Comp", "comp" + k, {}, {});
          const slow = mk("slow" + k, { size: mk("first" + k, { k }).size }, { parent: comp });
          comp.registerOutputs({});
          mk("dependent" + k, { k }, { dependsOn: [comp] });
          at(16 + 6 * k, () => slow.urn.apply(note("urn" + k)));
        }
      });
      report(400);`);
    const deps = JSON.parse(offline).filter((r: unknown[]) => r[0] === "deps");
    expect(
      deps.filter((r: [string, number, [string, unknown[]]]) => r[2][0].startsWith("dependent")),
    ).to.have.length(12);
    expect(offline).to.equal(sdk);
    expect(offline).not.to.include("null");
  });

  it("a program constructing more resources at once than a window admits registers every one with the SDK's inputs and dependencies", () => {
    // tools/plan/sdk-admission.ts: ADMITTED_PER_WINDOW registrations start per window (between two empty
    // microtask queues); the rest wait for the next. Under the SDK all 2501 register before any macrotask.
    const { sdk, offline } = both(`${MOCKS}
      let macrotask = false;
      setImmediate(() => (macrotask = true));
      const answered = MockMonitor.prototype.registerResource;
      const sent = [];
      MockMonitor.prototype.registerResource = function (req, cb) {
        const short = (urn) => urn.split("::").pop();
        const { i, prev } = req.getObject().toJavaScript();
        sent.push([req.getName(), short(req.getParent()), req.getDependenciesList().map(short), [i, prev], macrotask]);
        return answered.call(this, req, cb);
      };
      process.once("beforeExit", () => {
        console.log(JSON.stringify(sent));
      });
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        const comp = new pulumi.ComponentResource("test:index:Comp", "comp", {}, {});
        let prev;
        for (let i = 0; i < 2500; i++) {
          const opts = i % 7 === 0 ? { parent: comp } : i % 11 === 0 ? { dependsOn: [comp, prev] } : {};
          const r = new pulumi.CustomResource("test:index:Thing", "r" + i, { i, prev: prev && prev.out }, opts);
          if (i % 3 === 0) prev = r;
        }
        comp.registerOutputs({});
      });`);
    type Sent = [string, string, string[], unknown, boolean];
    const underSdk: Sent[] = JSON.parse(sdk);
    const offlineSent: Sent[] = JSON.parse(offline);
    expect(underSdk).to.have.length(2501);
    expect(underSdk.filter((r) => r[4])).to.have.length(0);
    // The first window: the component and the resources constructed next, before any macrotask;
    // those of them that depend on the component wait for its children of later windows.
    const firstWindow = ["comp"];
    for (let i = 0; i < ADMITTED_PER_WINDOW - 1; i++)
      if (i % 7 === 0 || i % 11 !== 0) firstWindow.push("r" + i);
    expect(offlineSent.filter((r) => !r[4]).map((r) => r[0])).to.have.members(firstWindow);
    const sorted = (rs: Sent[]) => rs.map((r) => JSON.stringify(r.slice(0, 4))).sort();
    expect(sorted(offlineSent)).to.deep.equal(sorted(underSdk));
  });

  it("an output property read only after its answer gives the SDK's values, and continuations on it run on the SDK's turn", () => {
    const { sdk, offline } = both(`${MOCKS}
      let res;
      pulumi.runtime.setMocks(mocks, "p", "s", true).then(() => {
        res = new pulumi.CustomResource("test:index:Thing", "late", { size: 3, out: undefined, secret: pulumi.secret("s") });
      });
      // Long after the answer (a macrotask later): every chain of the SDK's Outputs has settled by then.
      setTimeout(() => {
        turn = 0;
        res.out.apply((v) => v + "?").apply(note("apply"));
        res.size.promise().then(note("size"));
        res.out.isKnown.then(note("isKnown"));
        res.secret.isSecret.then(note("isSecret"));
        res.secret.apply(note("secret"));
        res.out.allResources().then((s) => note("resources")([...s].map((r) => r.__name)));
        res.id.apply(note("id"));
        res.id.isKnown.then(note("idKnown"));
        res.id.allResources().then((s) => note("idResources")([...s].map((r) => r.__name)));
        report(60);
      }, 50);`);
    expect(JSON.parse(offline).map((r: unknown[]) => r[0])).to.have.members([
      "register",
      "apply",
      "size",
      "isKnown",
      "isSecret",
      "secret",
      "resources",
      "id",
      "idKnown",
      "idResources",
    ]);
    expect(offline).to.equal(sdk);
  });

  it("no output of the dev, prod or edge program is first read within the turns the offline runtime shortens", () => {
    // Such a read would get its Output a few turns later than the SDK's (sdk-outputs.ts): none may happen
    // in the shipped stacks, so their plans register in the SDK's order.
    const code = `
      const { runOffline } = require("./tools/plan/offline");
      const { offlineOutputStats } = require("./tools/plan/sdk-outputs");
      (async () => {
        for (const stack of ["dev", "prod", "edge"]) await runOffline({ stack });
        console.log(JSON.stringify(offlineOutputStats));
      })();`;
    const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", code], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!).earlyReads).to.equal(0);
  });
});
