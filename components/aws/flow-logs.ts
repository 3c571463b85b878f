/**
 * VPC flow logs: every accepted and rejected connection of a VPC, into a CloudWatch log group, for
 * incident response. Registered as children of the Vpc component (./vpc.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FlowLogsArgs {
  /** The VPC whose traffic is logged. */
  vpcId: pulumi.Input<string>;
  /** Cluster name: the log group is `/datavis/<clusterName>/vpc-flow-logs`. */
  clusterName: string;
  /** Days the flow logs stay in CloudWatch. */
  flowLogRetentionDays: number;
  /** Keep the log group if the stack is destroyed (prod). */
  protect: boolean;
}

/** The log group, the role VPC Flow Logs assumes to write into it, and the flow log, under `parent`. */
export function vpcFlowLogs(parent: pulumi.Resource, name: string, args: FlowLogsArgs): void {
  const p = { parent };

  const flowLogGroup = new aws.cloudwatch.LogGroup(
    `${name}-flow-logs`,
    { name: `/datavis/${args.clusterName}/vpc-flow-logs`, retentionInDays: args.flowLogRetentionDays },
    { parent, protect: args.protect, retainOnDelete: args.protect },
  );
  const flowLogRole = new aws.iam.Role(
    `${name}-flow-logs`,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    },
    p,
  );
  new aws.iam.RolePolicy(
    `${name}-flow-logs`,
    {
      role: flowLogRole.id,
      policy: flowLogGroup.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [arn, `${arn}:*`],
            },
          ],
        }),
      ),
    },
    p,
  );
  new aws.ec2.FlowLog(
    `${name}-flow-logs`,
    {
      vpcId: args.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 600,
    },
    p,
  );
}
