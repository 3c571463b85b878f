/**
 * EC2 Auto Scaling rules (the NAT instance's group of one, and groups a fork adds): groups launch from
 * launch templates (which the EC2 rules judge: IMDSv2, encrypted volumes, no public IPs), legacy launch
 * configurations are held to the same, groups behind a load balancer use its health checks, and groups
 * span zones unless they are pinned to one by a zonal network interface (the NAT instance).
 */
import { asArray, fsbp, get, known, resourcePolicy, type Rule } from "./lib";

const GROUP = "aws:autoscaling/group:Group";
const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";

/** A group tagged `datavis:role=nat` (inline `tags` list, or the `tag` block form). */
function isNatGroup(props: any): boolean {
  const tags = [...asArray(known(() => props.tags) as any[]), ...asArray(known(() => props.tag) as any[])];
  return tags.some((t) => t?.key === "datavis:role" && t?.value === "nat");
}

const usesLaunchTemplate = resourcePolicy({
  name: "autoscaling-launch-template",
  description:
    "Auto Scaling groups launch from an EC2 launch template (or a mixed-instances policy of one), not a launch configuration: launch configurations get no new EC2 features and AWS no longer offers them to new accounts.",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("AutoScaling.9", "Amazon EC2 Auto Scaling groups should use Amazon EC2 launch templates"),
  validateResource: (args, report) => {
    if (args.type !== GROUP) return;
    const p = args.props;
    // A launch configuration's name is often unknown in preview: its presence is what counts.
    if (Object.keys(p).includes("launchConfiguration")) report("launches from a launch configuration");
    else if (!p.launchTemplate && !p.mixedInstancesPolicy) report("names no launch template");
  },
});

const launchConfigurationHardened = resourcePolicy({
  name: "autoscaling-launch-configuration-hardened",
  description:
    "A launch configuration, where a fork still has one, requires IMDSv2 session tokens with a response hop limit of 1 and assigns no public IP address, as the launch templates do (an instance's role credentials stay out of reach of an SSRF and of containers, and instances are reached through private networks).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "AutoScaling.3",
    "Auto Scaling group launch configurations should configure EC2 instances to require IMDSv2 (and AutoScaling.4: hop limit 1, AutoScaling.5: no public IP addresses)",
  ),
  validateResource: (args, report) => {
    if (args.type !== LAUNCH_CONFIGURATION) return;
    if (get(args.props.metadataOptions, "httpTokens") !== "required")
      report("metadataOptions.httpTokens is not 'required'");
    const hops = Number(get(args.props.metadataOptions, "httpPutResponseHopLimit") ?? 1);
    if (hops > 1) report(`metadataOptions.httpPutResponseHopLimit is ${hops}: containers could reach IMDS`);
    if (args.props.associatePublicIpAddress === true) report("associatePublicIpAddress is true");
  },
});

const elbHealthChecks = resourcePolicy({
  name: "autoscaling-elb-health-check",
  description:
    "A group registered with a load balancer replaces instances its load balancer finds unhealthy (healthCheckType ELB), not only those whose EC2 status checks fail.",
  enforcementLevel: "mandatory",
  severity: "low",
  framework: fsbp(
    "AutoScaling.1",
    "Auto Scaling groups associated with a load balancer should use ELB health checks",
  ),
  validateResource: (args, report) => {
    if (args.type !== GROUP) return;
    const p = args.props;
    const behindLb = asArray(p.loadBalancers).length > 0 || asArray(p.targetGroupArns).length > 0;
    if (behindLb && p.healthCheckType !== "ELB")
      report("is behind a load balancer but healthCheckType is not ELB");
  },
});

const multiAz = resourcePolicy({
  name: "autoscaling-multi-az",
  description:
    "Auto Scaling groups span more than one subnet (zone), so one zone's outage does not take every instance; a NAT instance (tagged datavis:role=nat) is pinned to the zone of its fixed network interface and is the one exception (docs/aws.md, NAT instance).",
  enforcementLevel: "advisory",
  severity: "medium",
  framework: fsbp("AutoScaling.2", "Amazon EC2 Auto Scaling group should cover multiple Availability Zones"),
  validateResource: (args, report) => {
    if (args.type !== GROUP || isNatGroup(args.props)) return;
    const subnets = known(() => args.props.vpcZoneIdentifiers);
    const zones = known(() => args.props.availabilityZones);
    if (subnets === undefined && zones === undefined) return;
    if (asArray(subnets).length < 2 && asArray(zones).length < 2)
      report("launches into one subnet or zone only");
  },
});

export const autoScalingRules: Rule[] = [
  usesLaunchTemplate,
  launchConfigurationHardened,
  elbHealthChecks,
  multiAz,
];
