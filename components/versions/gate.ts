/**
 * The version gate: checks the matrix (./matrix.ts, ./chart-facts.ts) against the pins (./index.ts) and against itself.
 *
 * - every chart's `kubeVersion` against the cluster version of each target that deploys it (EKS on AWS,
 *   k3s on edge), as `helm install` would;
 * - every image that runs on edge is published for arm64 (Raspberry Pis);
 * - the Spark image is on a Spark line the Spark operator submits with;
 * - the Cluster Autoscaler image is on the EKS minor (its own compatibility rule);
 * - the default single-user image (what every stack runs unless `singleUserImage` is set) is published
 *   upstream, not an image only a fork's release builds: a fresh deploy must be able to pull it;
 * - the chart facts were read at the pinned versions (a bump must re-read Chart.yaml).
 *
 * Pure functions of a VersionMatrix, so tests and `--set name=version` can skew any part of it.
 */
import { CHARTS, EKS_ADDON_VERSIONS, IMAGES, K3S_VERSION, KUBERNETES_VERSION, SPARK_VERSION } from "./index";
import {
  CHART_FACTS,
  EKS_STANDARD_SUPPORT_END,
  IMAGE_FACTS,
  SPARK_OPERATOR_SUPPORTED_SPARK,
  type Arch,
  type ChartFacts,
  type Publisher,
  type TargetName,
} from "./matrix";
import { parseVersion, satisfies } from "./semver";

export interface MatrixChart {
  /** Key in CHARTS (`cloudnativePg`). */
  key: string;
  /** Chart name (`cloudnative-pg`): the component the gate names. */
  chart: string;
  /** Version pinned in CHARTS. */
  pinned: string;
  /** Facts read upstream; undefined when none were recorded for this chart. */
  facts?: ChartFacts;
}

export interface MatrixImage {
  key: string;
  ref: string;
  arches: Arch[];
  targets: TargetName[];
  /** Unknown when the matrix has no facts for the image. */
  publishedBy?: Publisher;
}

export interface VersionMatrix {
  /** EKS minor (`1.36`) and the end of its standard support (ISO date) when known. */
  eks: { version: string; standardSupportEnd?: string };
  /** k3s release (`v1.36.5+k3s1`). */
  k3s: string;
  spark: string;
  sparkOperatorSupports: string;
  charts: MatrixChart[];
  images: MatrixImage[];
  /** EKS add-on builds (`vpc-cni` -> `v1.22.4-eksbuild.3`). */
  eksAddons: Record<string, string>;
}

/** The pinned matrix. */
export function pinnedMatrix(): VersionMatrix {
  return {
    eks: { version: KUBERNETES_VERSION, standardSupportEnd: EKS_STANDARD_SUPPORT_END[KUBERNETES_VERSION] },
    k3s: K3S_VERSION,
    spark: SPARK_VERSION,
    sparkOperatorSupports: SPARK_OPERATOR_SUPPORTED_SPARK,
    charts: Object.entries(CHARTS).map(([key, pin]) => ({
      key,
      chart: pin.chart,
      pinned: pin.version,
      facts: CHART_FACTS[key],
    })),
    images: Object.entries(IMAGES).map(([key, ref]) => ({
      key,
      ref,
      arches: IMAGE_FACTS[key]?.arches ?? [],
      targets: IMAGE_FACTS[key]?.targets ?? ["aws", "edge"],
      publishedBy: IMAGE_FACTS[key]?.publishedBy,
    })),
    eksAddons: { ...EKS_ADDON_VERSIONS },
  };
}

export interface Conflict {
  /** Component the conflict is about: a chart name, `IMAGES.<key>`, `eks` or `k3s`. */
  component: string;
  /** The two versions (or version and constraint) that conflict. */
  versions: [string, string];
  message: string;
}

/** The version a cluster reports to Helm: EKS as `v1.36.0-eks`, k3s as pinned (`v1.36.5+k3s1`). */
export function clusterVersion(m: VersionMatrix, target: TargetName): string {
  return target === "aws" ? `v${m.eks.version}.0-eks` : m.k3s;
}

const clusterName = (t: TargetName) => (t === "aws" ? "EKS" : "k3s");

/** Every conflict in the matrix; empty when the gate passes. */
export function checkMatrix(m: VersionMatrix): Conflict[] {
  const out: Conflict[] = [];
  for (const t of ["aws", "edge"] as TargetName[]) {
    try {
      parseVersion(clusterVersion(m, t));
    } catch (e) {
      out.push({
        component: t === "aws" ? "eks" : "k3s",
        versions: [clusterVersion(m, t), ""],
        message: (e as Error).message,
      });
      return out;
    }
  }
  for (const c of m.charts) {
    if (!c.facts) {
      out.push({
        component: c.chart,
        versions: [c.pinned, "(no facts)"],
        message: `${c.chart} ${c.pinned}: no facts in components/versions/chart-facts.ts; read its Chart.yaml at that version and add them`,
      });
      continue;
    }
    if (c.facts.version !== c.pinned) {
      out.push({
        component: c.chart,
        versions: [c.pinned, c.facts.version],
        message: `${c.chart}: CHARTS pins ${c.pinned} but the matrix facts were read at ${c.facts.version}; re-read its Chart.yaml (kubeVersion, appVersion, images) at ${c.pinned}`,
      });
      continue;
    }
    if (c.facts.kubeVersion) {
      for (const t of c.facts.targets) {
        const cluster = clusterVersion(m, t);
        if (!satisfies(cluster, c.facts.kubeVersion)) {
          const shown = t === "aws" ? m.eks.version : m.k3s;
          out.push({
            component: c.chart,
            versions: [c.pinned, shown],
            message: `${c.chart} ${c.pinned} needs Kubernetes ${c.facts.kubeVersion}; ${clusterName(t)} is ${shown}`,
          });
        }
      }
    }
    if (c.facts.targets.includes("edge")) {
      for (const img of c.facts.images) {
        if (!img.arches.includes("arm64")) {
          out.push({
            component: c.chart,
            versions: [c.pinned, img.ref],
            message: `${c.chart} ${c.pinned} runs ${img.ref}, published for ${img.arches.join(", ") || "no known architecture"} only; edge nodes are arm64`,
          });
        }
      }
    }
  }
  for (const img of m.images) {
    if (img.targets.includes("edge") && !img.arches.includes("arm64")) {
      out.push({
        component: `IMAGES.${img.key}`,
        versions: [img.ref, "arm64"],
        message: `IMAGES.${img.key} ${img.ref} is published for ${img.arches.join(", ") || "no known architecture"} only; edge nodes are arm64`,
      });
    }
  }
  const singleuser = m.images.find((i) => i.key === "singleuser");
  if (singleuser && singleuser.publishedBy !== "upstream") {
    out.push({
      component: "IMAGES.singleuser",
      versions: [singleuser.ref, singleuser.publishedBy ?? "(no facts)"],
      message: `IMAGES.singleuser ${singleuser.ref} is ${singleuser.publishedBy === "fork" ? "built only by a fork's release" : "not in the matrix"}; the default notebook image must be one published upstream (a fork's own build belongs in IMAGES.singleuserProject, chosen with singleUserImage)`,
    });
  }
  const operator = m.charts.find((c) => c.key === "sparkOperator");
  let sparkOk = false;
  try {
    sparkOk = satisfies(m.spark, m.sparkOperatorSupports);
  } catch {
    sparkOk = false;
  }
  if (!sparkOk) {
    out.push({
      component: "spark-operator",
      versions: [operator?.pinned ?? "?", m.spark],
      message: `spark-operator ${operator?.pinned ?? "?"} submits with Spark ${m.sparkOperatorSupports}; the Spark image is Spark ${m.spark}`,
    });
  }
  const spark = m.images.find((i) => i.key === "spark");
  if (spark && !spark.ref.endsWith(`:${m.spark}`)) {
    out.push({
      component: "IMAGES.spark",
      versions: [spark.ref, m.spark],
      message: `IMAGES.spark ${spark.ref} is not SPARK_VERSION ${m.spark}`,
    });
  }
  // Built per Kubernetes minor, so each must be on the cluster's: the Cluster Autoscaler image, and
  // kube-proxy, which runs on every node next to the kubelet.
  const onClusterMinor = (component: string, version: string, what: string, pinnedIn = "") => {
    const v = parseVersion(version.replace(/-eksbuild\.\d+$/, ""));
    if (`${v.major}.${v.minor}` !== m.eks.version)
      out.push({
        component,
        versions: [version, m.eks.version],
        message: `${what} ${version} must be on the cluster's minor; EKS is ${m.eks.version}${pinnedIn}`,
      });
  };
  const ca = m.images.find((i) => i.key === "clusterAutoscaler");
  if (ca)
    onClusterMinor(
      "cluster-autoscaler",
      ca.ref.slice(ca.ref.lastIndexOf(":") + 1),
      "cluster-autoscaler image",
    );
  const kubeProxy = m.eksAddons["kube-proxy"];
  if (kubeProxy) onClusterMinor("kube-proxy", kubeProxy, "EKS add-on kube-proxy", " (EKS_ADDON_VERSIONS)");
  if (!m.eks.standardSupportEnd) {
    out.push({
      component: "eks",
      versions: [m.eks.version, "(no date)"],
      message: `EKS ${m.eks.version}: no end-of-standard-support date in EKS_STANDARD_SUPPORT_END (components/versions/matrix.ts); add it from the EKS user guide`,
    });
  }
  return out;
}

/** Conflicts a given k3s release would have with the pinned charts (empty: the matrix accepts it). */
export function checkK3sVersion(version: string): Conflict[] {
  return checkMatrix({ ...pinnedMatrix(), k3s: version }).filter(
    (c) => c.component === "k3s" || c.versions[1] === version,
  );
}

/**
 * Kubernetes minors (`"1.29"`, ..., `"1.36"`) the matrix accepts for k3s: every edge chart's kubeVersion
 * holds, and the minor is not newer than the pinned line (nothing newer was validated). ansible-pi's
 * upgrade.yml refuses a k3s_version outside this list.
 */
export function acceptedK3sMinors(): string[] {
  const pinned = parseVersion(K3S_VERSION);
  const minors: string[] = [];
  for (let minor = 20; minor <= pinned.minor; minor++) {
    if (checkK3sVersion(`v${pinned.major}.${minor}.0+k3s1`).length === 0)
      minors.push(`${pinned.major}.${minor}`);
  }
  return minors;
}

/** What the plan says about the EKS version's support window on `today`. */
export interface SupportVerdict {
  level: "ok" | "warning" | "past";
  message: string;
}

/** Days before the end of standard support from which the plan warns. */
export const SUPPORT_WARNING_DAYS = 90;

export function eksSupportVerdict(eks: VersionMatrix["eks"], today: Date): SupportVerdict {
  if (!eks.standardSupportEnd)
    return {
      level: "past",
      message: `EKS ${eks.version}: no end-of-standard-support date known; add it to EKS_STANDARD_SUPPORT_END`,
    };
  const end = new Date(`${eks.standardSupportEnd}T00:00:00Z`);
  const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const days = Math.round((end.getTime() - day) / 86400000);
  if (days <= 0)
    return {
      level: "past",
      message: `EKS ${eks.version} left standard support on ${eks.standardSupportEnd}: with upgradePolicy STANDARD, AWS upgrades the control plane itself, untested; upgrade it first (UPGRADING.md)`,
    };
  if (days <= SUPPORT_WARNING_DAYS)
    return {
      level: "warning",
      message: `EKS ${eks.version} leaves standard support on ${eks.standardSupportEnd} (in ${days} days): plan the upgrade (UPGRADING.md)`,
    };
  return { level: "ok", message: `EKS ${eks.version} in standard support until ${eks.standardSupportEnd}` };
}
