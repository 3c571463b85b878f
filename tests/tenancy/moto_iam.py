"""Helpers of the AWS policy tests: clients of the moto server, IAM users standing for sessions, and the
refusal check. A module lays out its state with `setup()` (unauthenticated, from a clean server) and then
switches IAM enforcement on with `enforce()`.

How a session is modelled: EKS Pod Identity gives a pod in namespace N a session of the one role, tagged
`kubernetes-namespace=N`; IAM then reads `${aws:PrincipalTag/kubernetes-namespace}` as N. moto substitutes
no policy variables and has no session tags, so each namespace's session is an IAM user whose inline policy
is the plan's policy with the variable replaced by N (`NS_VAR` below), as IAM resolves it for that session."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

# The policy variable EKS Pod Identity's session tag fills in (docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html).
NS_VAR = "${aws:PrincipalTag/kubernetes-namespace}"


def client(url, service, key=("testing", "testing")):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=key[0],
                        aws_secret_access_key=key[1])


def setup(url):
    """A clean server whose next requests are not authenticated (the layout)."""
    requests.post(f"{url}/moto-api/reset")
    requests.post(f"{url}/moto-api/reset-auth", data=b"1000")


def enforce(url):
    """From here on, every request is authenticated and authorized against the caller's IAM policies."""
    requests.post(f"{url}/moto-api/reset-auth", data=b"0")


def principal(url, name, policy_doc: str):
    """An IAM user holding `policy_doc` inline; an S3 client with its keys."""
    iam = client(url, "iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=policy_doc)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return client(url, "s3", (k["AccessKeyId"], k["SecretAccessKey"]))


def denied(call):
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == "AccessDenied", err.value.response
