/**
 * Pod slots of a node of a managed node group, as EKS sets them: the VPC CNI's figure for the instance
 * type (prefix delegation or not), lowered by the max pods its launch template's NodeConfig asks for
 * (components/aws/node-groups.ts `maxPodsUserData`). EKS's kube-reserved memory follows this figure.
 */
import { podsPerNode } from "../../../components/aws/catalogue";
import { userDataMaxPods } from "../../../components/aws/node-groups";
/** What these read of a registered resource (the offline run's or a plan file's). */
interface Registered {
  type: string;
  name: string;
  inputs: any;
}

/** A pool's launch template is named after the pool; its groups after the pool and a zone suffix. */
export function groupLaunchTemplate<R extends Registered>(resources: R[], group: Registered): R | undefined {
  const templates = resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
  return (
    templates.find((t) => t.name === group.name) ??
    templates.find((t) => t.name === group.name.replace(/-\d+$/, ""))
  );
}

export function groupPodSlots(
  resources: Registered[],
  group: Registered,
  prefixDelegation: boolean,
): number | undefined {
  const cni = podsPerNode(String(group.inputs.instanceTypes?.[0]), prefixDelegation);
  const asked = userDataMaxPods(groupLaunchTemplate(resources, group)?.inputs.userData);
  return cni && asked ? Math.min(cni, asked) : cni;
}
