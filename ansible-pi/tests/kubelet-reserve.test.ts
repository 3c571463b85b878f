import { expect } from "chai";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { K3S_RESERVE } from "../../components/edge/nodes";

const groupVars = yaml.load(
  fs.readFileSync(path.join(__dirname, "..", "inventory", "example", "group_vars", "all.yml"), "utf8"),
) as Record<string, any>;

const mi = (q: string): number => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`not a Mi/Gi quantity: ${q}`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
};
const milli = (q: string): number => {
  const m = /^(\d+)m$/.exec(q);
  if (!m) throw new Error(`not a millicore quantity: ${q}`);
  return Number(m[1]);
};

describe("kubelet reservations on the Pis and the edge capacity estimate", () => {
  it("a server's kube-reserved (SQLite) is the k3s server share the estimate subtracts", () => {
    const r = groupVars.k3s_kube_reserved_server;
    expect({ cpuMilli: milli(r.cpu), memoryMi: mi(r.memory) }).to.deep.equal({
      cpuMilli: K3S_RESERVE.server.cpuMilli,
      memoryMi: K3S_RESERVE.server.memoryMi,
    });
  });

  it("an agent's kube-reserved is the k3s agent share the estimate subtracts", () => {
    const r = groupVars.k3s_kube_reserved_agent;
    expect({ cpuMilli: milli(r.cpu), memoryMi: mi(r.memory) }).to.deep.equal({
      cpuMilli: K3S_RESERVE.agent.cpuMilli,
      memoryMi: K3S_RESERVE.agent.memoryMi,
    });
  });

  it("a 4 GB Pi keeps room for pods after every reservation (server with embedded etcd included)", () => {
    const perNode =
      mi(groupVars.k3s_system_reserved.memory) + mi(groupVars.k3s_eviction_hard["memory.available"]);
    const fourGb = 4 * 1024;
    expect(fourGb - mi(groupVars.k3s_kube_reserved_server_etcd.memory) - perNode).to.be.greaterThan(2048);
    expect(fourGb - mi(groupVars.k3s_kube_reserved_agent.memory) - perNode).to.be.greaterThan(3072);
  });

  it("soft eviction starts above the hard threshold, so pods are evicted gracefully first", () => {
    expect(mi(groupVars.k3s_eviction_soft["memory.available"])).to.be.greaterThan(
      mi(groupVars.k3s_eviction_hard["memory.available"]),
    );
  });
});

describe("the OS share and eviction threshold the estimate and the notebook sizing subtract", () => {
  it("system-reserved and the hard memory eviction threshold match components/edge/nodes.ts", async () => {
    const { NODE_SYSTEM_RESERVED, KUBELET_EVICTION_MI } = await import("../../components/edge/nodes");
    const r = groupVars.k3s_system_reserved;
    expect({ cpuMilli: milli(r.cpu), memoryMi: mi(r.memory) }).to.deep.equal(NODE_SYSTEM_RESERVED);
    expect(mi(groupVars.k3s_eviction_hard["memory.available"])).to.equal(KUBELET_EVICTION_MI);
  });
});
