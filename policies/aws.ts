/**
 * AWS rules, each mapped to a Security Hub control; README.md lists every FSBP control of EC2/VPC, S3,
 * RDS, EKS, IAM and KMS as covered (by which rule), not applicable (why) or not yet. Types are
 * @pulumi/aws 7.x and @pulumi/eks 4.x tokens.
 */
import type { Rule } from "./lib";
import { autoScalingRules } from "./aws-autoscaling";
import { ec2Rules } from "./aws-ec2";
import { eksRules } from "./aws-eks";
import { iamRules } from "./aws-iam";
import { ingressLoadBalancer } from "./aws-ingress";
import { networkRules } from "./aws-network";
import { rdsCoreRules } from "./aws-rds";
import { rdsAccessRules } from "./aws-rds-access";
import { s3Rules } from "./aws-s3";
import { s3AccessRules } from "./aws-s3-access";

export const awsRules: Rule[] = [
  ...s3Rules,
  ...s3AccessRules,
  ...rdsCoreRules,
  ...rdsAccessRules,
  ...eksRules,
  ...networkRules,
  ...ec2Rules,
  ...autoScalingRules,
  ...iamRules,
  ingressLoadBalancer,
];
