"""Presigned URLs and POST forms made by boto3, for the conformance suite.

Reads the endpoint, credentials and names from the environment and prints
one JSON document: SigV2 ('s3') presigned GET and PUT URLs, a short-lived
SigV2 URL (for the expiry test), and presigned POST forms signed with SigV4
and with SigV2. The Go test (sigv2_test.go) sends them and checks the
answers; this script makes no request itself.
"""
import json
import os
import sys

try:
    import boto3
    from botocore.config import Config
except ImportError as e:  # the Go test tells skipping from failing
    print("boto3 missing: %s" % e, file=sys.stderr)
    sys.exit(3)

endpoint = os.environ["DOLIUM_TEST_ENDPOINT"]
bucket = os.environ["DOLIUM_TEST_BUCKET"]


def client(signature_version):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=os.environ["DOLIUM_TEST_ACCESS_KEY"],
        aws_secret_access_key=os.environ["DOLIUM_TEST_SECRET_KEY"],
        region_name=os.environ.get("DOLIUM_TEST_REGION", "us-east-1"),
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}),
    )


v2 = client("s3")
v4 = client("s3v4")

post_fields = {"success_action_status": "201", "x-amz-meta-origin": "form", "Content-Type": "text/plain"}
post_conditions = [
    ["starts-with", "$key", "post/"],
    {"success_action_status": "201"},
    ["eq", "$x-amz-meta-origin", "form"],
    ["starts-with", "$Content-Type", "text/"],
    ["content-length-range", 1, 64],
]

out = {
    "get_v2": v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2/obj.txt"}, ExpiresIn=600),
    "get_v2_override": v2.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": "v2/obj.txt", "ResponseContentType": "application/x-test"},
        ExpiresIn=600,
    ),
    "put_v2": v2.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "v2/put.txt"}, ExpiresIn=600),
    "get_v2_short": v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2/obj.txt"}, ExpiresIn=1),
    "post_v4": v4.generate_presigned_post(
        bucket, "post/${filename}", Fields=dict(post_fields), Conditions=list(post_conditions), ExpiresIn=600
    ),
    "post_v2": v2.generate_presigned_post(
        bucket, "post/${filename}", Fields=dict(post_fields), Conditions=list(post_conditions), ExpiresIn=600
    ),
}
json.dump(out, sys.stdout)
