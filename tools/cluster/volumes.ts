/**
 * The platform's pods that keep a zonal volume (an EBS claim on AWS, WaitForFirstConsumer: made in the zone
 * of the node the pod first lands on), read from the plan the way the charts read their values, and the
 * volumes themselves as the cluster suite stands them in: a PersistentVolume pinned to a zone and its claim.
 */
import type { ControlPlane } from "./harness";
import { ZONE_LABEL } from "./nodes";
import { releases, type Plan } from "./plan";
import type { PlacedPod } from "./workloads";

/** Components (as workloads.ts names the pods) whose pods mount a claim, per the plan's release values. */
export function volumeComponents(plan: Plan): string[] {
  const out: string[] = [];
  for (const r of releases(plan)) {
    const v = r.inputs.values ?? {};
    const name = String(r.inputs.name ?? r.name);
    // kube-prometheus-stack: Prometheus's and Alertmanager's StatefulSets get a claim from their templates.
    if (v.prometheus?.prometheusSpec?.storageSpec?.volumeClaimTemplate) out.push(`${name}/prometheus`);
    if (v.alertmanager?.alertmanagerSpec?.storage?.volumeClaimTemplate) out.push(`${name}/alertmanager`);
    // grafana: persistence.enabled makes a claim for its Deployment.
    if (/grafana$/.test(String(r.inputs.chart ?? "")) && v.persistence?.enabled) out.push(`${name}/grafana`);
    // jupyterhub: a claim among the hub's extra volumes (the activity log).
    if ((v.hub?.extraVolumes ?? []).some((x: any) => x.persistentVolumeClaim)) out.push(`${name}/hub`);
  }
  return out;
}

/** Claim name the suite gives a pod's volume. */
export const claimOf = (p: PlacedPod): string => `data-${p.pod.metadata.name}`;

/**
 * Makes the volume a pod's claim was provisioned with in `zone` (a PersistentVolume whose node affinity is
 * that zone, as the EBS CSI driver sets it) and the claim bound to it; waits until the claim is Bound.
 */
export async function zonalVolume(cp: ControlPlane, p: PlacedPod, zone: string): Promise<void> {
  const ns = p.pod.metadata.namespace;
  const claim = claimOf(p);
  const pv = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: `${ns}-${claim}` },
    spec: {
      capacity: { storage: "20Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      persistentVolumeReclaimPolicy: "Retain",
      local: { path: "/var/lib/volume" },
      claimRef: { namespace: ns, name: claim },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [zone] }] }],
        },
      },
    },
  };
  const pvc = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: claim, namespace: ns },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      volumeName: pv.metadata.name,
      resources: { requests: { storage: "20Gi" } },
    },
  };
  for (const [path, body] of [
    ["/api/v1/persistentvolumes", pv],
    [`/api/v1/namespaces/${ns}/persistentvolumeclaims`, pvc],
  ] as const) {
    const r = await cp.request("POST", path, body);
    if (r.status >= 300) throw new Error(`${body.kind} ${claim}: ${r.body?.message ?? r.status}`);
  }
  await cp.waitFor(
    `claim ${ns}/${claim} Bound`,
    async () =>
      (await cp.request("GET", `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`)).body?.status
        ?.phase === "Bound",
    120_000,
  );
}

/** The pod with its claim mounted (what the chart's pod has once its volume exists). */
export function withClaim(p: PlacedPod): PlacedPod {
  const spec = p.pod.spec;
  return {
    ...p,
    pod: {
      ...p.pod,
      spec: {
        ...spec,
        volumes: [
          ...(spec.volumes ?? []),
          { name: "data", persistentVolumeClaim: { claimName: claimOf(p) } },
        ],
        containers: spec.containers.map((c: any, i: number) =>
          i === 0
            ? { ...c, volumeMounts: [...(c.volumeMounts ?? []), { name: "data", mountPath: "/data" }] }
            : c,
        ),
      },
    },
  };
}
