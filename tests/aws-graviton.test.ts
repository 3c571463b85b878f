import { expect } from "chai";
import { IMAGE_FACTS, CHART_FACTS, type Arch } from "../components/versions/matrix";
import { imagesWithoutArch, poolImages } from "../components/versions/pool-arch";
import { configError, ofType, runStack } from "./harness";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

function groups(run: Awaited<ReturnType<typeof runStack>>, pool: string) {
  return ofType(run, NODE_GROUP).filter((g) => g.inputs.labels?.["datavis.io/pool"] === pool);
}

/** Runs `fn` with an image of the matrix published for `arches` only, then restores it. */
async function withArches<T>(facts: { arches: Arch[] }, arches: Arch[], fn: () => Promise<T>): Promise<T> {
  const saved = facts.arches;
  facts.arches = arches;
  try {
    return await fn();
  } finally {
    facts.arches = saved;
  }
}

describe("aws Graviton pools", () => {
  it("dev's system and notebook pools are Graviton and boot the arm64 EKS AMI", async () => {
    const run = await runStack("dev");
    const [system] = groups(run, "system");
    // Spot in dev: t4g.large first (the one priced), then the Graviton types of its shape.
    expect(system.inputs.instanceTypes).to.deep.equal(["t4g.large", "m6g.large", "m7g.large"]);
    expect(system.inputs.amiType).to.equal("AL2023_ARM_64_STANDARD");
    for (const g of groups(run, "notebooks")) {
      expect(g.inputs.instanceTypes, g.name).to.deep.equal(["m7g.large", "m6g.large"]);
      expect(g.inputs.amiType, g.name).to.equal("AL2023_ARM_64_STANDARD");
    }
  });

  it("an x86 pool keeps the x86_64 AMI (prod's system pool), and a Graviton type in prod gets arm64", async () => {
    expect(groups(await runStack("prod"), "system")[0].inputs.amiType).to.equal("AL2023_x86_64_STANDARD");
    const graviton = groups(await runStack("prod", { systemNodeInstanceType: "m7g.xlarge" }), "system")[0];
    expect(graviton.inputs.amiType).to.equal("AL2023_ARM_64_STANDARD");
  });

  it("every image of the system, notebook and Spark pools is published for arm64 today", () => {
    for (const pool of ["system", "notebooks", "spark"] as const) {
      expect(poolImages(pool).length, pool).to.be.greaterThan(0);
      expect(imagesWithoutArch(pool, "arm64"), pool).to.deep.equal([]);
    }
    // The notebook pool runs the single-user image; the system pool does not.
    expect(poolImages("notebooks").map((i) => i.component)).to.include("IMAGES.singleuser");
    expect(poolImages("system").map((i) => i.component)).not.to.include("IMAGES.singleuser");
  });

  it("a Graviton system pool is refused when one of its images lacks arm64, naming the key and the image", async () => {
    const e = await withArches(IMAGE_FACTS.clusterAutoscaler, ["amd64"], () => configError("dev", {}));
    expect(e.key).to.equal("datavis:systemNodeInstanceType");
    expect(e.message).to.match(/"t4g\.large" is arm64 \(Graviton\).*IMAGES\.clusterAutoscaler .*amd64 only/);
    expect(e.message.split("\n")).to.have.lengthOf(1);
  });

  it("a chart image without arm64 refuses the Graviton system pool too; an x86 type is accepted", async () => {
    const grafana = CHART_FACTS.grafana.images[0];
    const e = await withArches(grafana, ["amd64"], () => configError("dev", {}));
    expect(e.key).to.equal("datavis:systemNodeInstanceType");
    expect(e.message).to.contain(grafana.ref);
    const run = await withArches(grafana, ["amd64"], () =>
      runStack("dev", { systemNodeInstanceType: "t3.large", natInstanceType: "t4g.nano" }),
    );
    expect(groups(run, "system")[0].inputs.amiType).to.equal("AL2023_x86_64_STANDARD");
  });

  it("a Graviton notebook pool is refused when the single-user image lacks arm64, naming notebookInstanceTypes", async () => {
    const e = await withArches(IMAGE_FACTS.singleuser, ["amd64"], () => configError("dev", {}));
    expect(e.key).to.equal("datavis:notebookInstanceTypes");
    expect(e.message).to.contain("IMAGES.singleuser");
  });

  it("the plan exits 2 on that refusal, with the one-line message on stderr", async () => {
    const { main } = await import("../tools/plan/plan");
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as any).write = (s: string) => (err.push(String(s)), true);
    let code: number;
    try {
      code = await withArches(IMAGE_FACTS.postgresExporter, ["amd64"], () => main(["--stack", "dev"]));
    } finally {
      (process.stderr as any).write = write;
    }
    expect(code).to.equal(2);
    expect(err.join("")).to.match(
      /^error: config datavis:systemNodeInstanceType: .*IMAGES\.postgresExporter/,
    );
  });
});
