/**
 * Supply-chain rules: exact Helm chart versions, no retired upstreams, and (on edge stacks) every image
 * and chart on the checked arm64 list.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { ARM64_CHARTS, ARM64_IMAGES } from "./arm64-images";
import { get, isEdge, otherControl, type Rule } from "./lib";
import { imageKey, imagesIn, parseImage } from "./lib-images";
import { containersOf, podSpecOf } from "./lib-k8s";
import { CHART_TYPES, RELEASE } from "./k8s-workloads";

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const helmVersionPinned: Rule = {
  name: "helm-chart-version-pinned",
  description:
    "Every Helm release and chart names an exact chart version (not empty, not a range), so `pulumi up` installs what was reviewed and an upstream release cannot change the platform between two runs.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: otherControl(
    "DESIGN.md contract 4 (supply chain)",
    "pinned-dependencies",
    "Every Helm release's chart name, repository and version are pinned",
  ),
  validateResource: (args, report) => {
    if (args.type !== RELEASE && !CHART_TYPES.has(args.type)) return;
    const version = args.props.version;
    if (version === undefined || version === null || version === "")
      report(`chart ${args.props.chart} has no version`);
    else if (!EXACT_VERSION.test(String(version)))
      report(`chart ${args.props.chart} version "${version}" is not exact`);
  },
};

/** Upstreams retired or no longer published for free: do not depend on them. */
const RETIRED_CHARTS: { test: (chart: string, repo: string) => boolean; why: string }[] = [
  {
    test: (c, r) =>
      /(^|\/)ingress-nginx(-[\d.]+\.tgz)?$/.test(c) || r.includes("kubernetes.github.io/ingress-nginx"),
    why: "ingress-nginx was retired upstream in March 2026; use Traefik",
  },
  {
    test: (c, r) =>
      /(^|\/)kubernetes-dashboard(-[\d.]+\.tgz)?$/.test(c) || r.includes("kubernetes.github.io/dashboard"),
    why: "the Kubernetes Dashboard was archived in January 2026; use Headlamp",
  },
  {
    test: (c, r) =>
      /(^|\/)(minio|minio-operator)(-[\d.]+\.tgz)?$/.test(c) || /(charts|operator)\.min\.io/.test(r),
    why: "MinIO's community images are no longer published; use SeaweedFS",
  },
  {
    test: (c, r) => /bitnami/i.test(r) || /bitnamicharts/i.test(c),
    why: "Bitnami's free charts and images are no longer published",
  },
];

const RETIRED_IMAGES: { test: (path: string) => boolean; why: string }[] = [
  {
    test: (p) => p.startsWith("ingress-nginx/") || p.includes("/ingress-nginx/"),
    why: "ingress-nginx is retired",
  },
  { test: (p) => p.startsWith("kubernetesui/"), why: "the Kubernetes Dashboard is archived" },
  { test: (p) => /^minio\//.test(p), why: "MinIO community images are no longer published" },
  { test: (p) => /^bitnami[a-z]*\//.test(p), why: "Bitnami free images are no longer published" },
];

/** Image references a resource names: containers of its pod spec, or any image in its spec or values. */
function imageRefs(args: ResourceValidationArgs): { where: string; image: string; explicitTag: boolean }[] {
  if (!args.type.startsWith("kubernetes:")) return [];
  const spec = podSpecOf(args.type, args.props);
  if (spec) {
    return containersOf(spec)
      .filter((c) => typeof c.image === "string")
      .map((c) => ({ where: `container ${c.name}`, image: c.image!, explicitTag: true }));
  }
  const root = args.type === RELEASE ? args.props.values : args.props.spec;
  const prefix = args.type === RELEASE ? "values" : "spec";
  return imagesIn(root).map((f) => ({ where: `${prefix}.${f.path}`, ...f.value }));
}

const noRetiredUpstream: Rule = {
  name: "no-retired-upstream",
  description:
    "Nothing depends on retired or no-longer-published upstreams: ingress-nginx (retired March 2026), the Kubernetes Dashboard (archived January 2026), MinIO community images and Bitnami's free charts and images. Their images get no security fixes and can vanish from registries.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "DESIGN.md platform constraints",
    "supported-upstreams",
    "Use maintained upstreams only (closest CIS Kubernetes control: 5.5.1 image provenance)",
  ),
  validateResource: (args, report) => {
    if (args.type === RELEASE || CHART_TYPES.has(args.type)) {
      const chart = String(args.props.chart ?? "");
      const repo = String(get(args.props, "repositoryOpts", "repo") ?? args.props.repositoryOpts?.repo ?? "");
      for (const r of RETIRED_CHARTS)
        if (r.test(chart, repo)) report(`chart ${chart}${repo ? ` from ${repo}` : ""}: ${r.why}`);
    }
    if (
      args.type === "kubernetes:networking.k8s.io/v1:IngressClass" &&
      args.props.spec?.controller === "k8s.io/ingress-nginx"
    ) {
      report("IngressClass uses the ingress-nginx controller, retired upstream");
    }
    for (const ref of imageRefs(args)) {
      const path = parseImage(ref.image).path;
      for (const r of RETIRED_IMAGES) if (r.test(path)) report(`${ref.where}: image ${ref.image}: ${r.why}`);
    }
  },
};

// ---------------------------------------------------------------------------------------------- edge

const ARM64_IMAGE_KEYS = new Set(ARM64_IMAGES.map((i) => i.image));
const ARM64_CHART_KEYS = new Set(ARM64_CHARTS.map((c) => `${c.chart}@${c.version}`));

/** Chart name of a release: its name in the repository, or the archive's name without `-<version>.tgz`. */
function chartName(chart: string, version: string): string {
  const base = chart.split("/").pop() ?? chart;
  return base.endsWith(".tgz")
    ? base.replace(/\.tgz$/, "").replace(new RegExp(`-${version.replace(/\./g, "\\.")}$`), "")
    : base;
}

const edgeArm64: Rule = {
  name: "edge-images-arm64",
  description:
    "On edge stacks (stack tag datavis:target=edge) every image and Helm chart the program deploys is on the checked arm64 list in policies/arm64-images.ts: an amd64-only image never starts on a Raspberry Pi (exec format error), and the failure only shows on the device.",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: otherControl(
    "Edge target requirement",
    "arm64-images",
    "Every image runs on linux/arm64 (checked list)",
  ),
  validateResource: (args, report) => {
    if (!isEdge(args.stackTags) || !args.type.startsWith("kubernetes:")) return;
    if (args.type === RELEASE || CHART_TYPES.has(args.type)) {
      const version = String(args.props.version ?? "");
      const name = chartName(String(args.props.chart ?? ""), version);
      if (!ARM64_CHART_KEYS.has(`${name}@${version}`)) {
        report(`chart ${name}@${version} is not on the arm64 list (policies/arm64-images.ts)`);
      }
    }
    for (const ref of imageRefs(args)) {
      if (!ref.explicitTag) continue; // The chart's own default image: covered by the chart entry.
      const key = imageKey(parseImage(ref.image));
      if (!ARM64_IMAGE_KEYS.has(key))
        report(`${ref.where}: image ${ref.image} is not on the arm64 list (policies/arm64-images.ts)`);
    }
  },
};

export const supplyChainRules: Rule[] = [helmVersionPinned, noRetiredUpstream, edgeArm64];
