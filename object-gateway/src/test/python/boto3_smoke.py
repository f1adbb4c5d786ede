"""boto3 against an Aquifer S3 gateway: the calls data engineers make, with boto3's defaults.

Reads AQ_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment. Prints one line
per check and exits non-zero on the first failure.
"""
import hashlib
import io
import os
import sys

import boto3
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint = os.environ["AQ_ENDPOINT"]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    # botocore presigns with SigV2 unless told otherwise; Aquifer speaks SigV4 only
    config=Config(
        signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}
    ),
)
bucket = "boto3-smoke"


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)), flush=True)
    if not ok:
        sys.exit(1)


s3.create_bucket(Bucket=bucket)

# put/get with boto3's default flexible checksum
body = os.urandom(100_000)
put = s3.put_object(Bucket=bucket, Key="plain/one.bin", Body=body)
got = s3.get_object(Bucket=bucket, Key="plain/one.bin")
check("put/get bytes", got["Body"].read() == body)
check("etag is md5", put["ETag"].strip('"') == hashlib.md5(body).hexdigest(), put["ETag"])

for alg in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]:
    try:
        r = s3.put_object(Bucket=bucket, Key="sum/" + alg, Body=body, ChecksumAlgorithm=alg)
        h = s3.head_object(Bucket=bucket, Key="sum/" + alg, ChecksumMode="ENABLED")
        check("checksum " + alg, h.get("Checksum" + alg) == r.get("Checksum" + alg), h)
    except Exception as e:  # an algorithm this botocore build lacks (CRC32C, CRC64NVME need awscrt)
        if "awscrt" in str(e) or "MissingDependency" in type(e).__name__:
            print("skip checksum " + alg + " (botocore needs awscrt for it)")
        else:
            raise

# multipart via the transfer manager
big = os.urandom(23 * 1024 * 1024)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(big), bucket, "multi/big.bin", Config=cfg)
out = io.BytesIO()
s3.download_fileobj(bucket, "multi/big.bin", out, Config=cfg)
check("upload_fileobj/download_fileobj", out.getvalue() == big)
head = s3.head_object(Bucket=bucket, Key="multi/big.bin")
check("multipart etag suffix", head["ETag"].strip('"').endswith("-5"), head["ETag"])

# listing with a paginator and a delimiter
for i in range(25):
    s3.put_object(Bucket=bucket, Key=f"tree/d{i % 3}/f{i:02d}", Body=b"x")
prefixes, keys = [], []
for page in s3.get_paginator("list_objects_v2").paginate(
    Bucket=bucket, Prefix="tree/", Delimiter="/", PaginationConfig={"PageSize": 2}
):
    prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    keys += [o["Key"] for o in page.get("Contents", [])]
check("paginator prefixes", prefixes == ["tree/d0/", "tree/d1/", "tree/d2/"], prefixes)
all_keys = []
for page in s3.get_paginator("list_objects_v2").paginate(
    Bucket=bucket, Prefix="tree/", PaginationConfig={"PageSize": 7}
):
    all_keys += [o["Key"] for o in page.get("Contents", [])]
check("paginator keys", len(all_keys) == 25 and all_keys == sorted(all_keys), all_keys)

# copy and batch delete
s3.copy_object(Bucket=bucket, Key="copy/one.bin", CopySource={"Bucket": bucket, "Key": "plain/one.bin"})
check("copy_object", s3.get_object(Bucket=bucket, Key="copy/one.bin")["Body"].read() == body)
resp = s3.delete_objects(
    Bucket=bucket, Delete={"Objects": [{"Key": k} for k in all_keys]}
)
check("delete_objects", len(resp.get("Deleted", [])) == 25 and not resp.get("Errors"), resp)

# awkward keys: botocore sends "//" and dot segments as they are and signs them unnormalized
for k in ["a//b", "/leading", "trailing/", "a/./b", "a/../b", "sp ace", "pl+us", "per%cent", "\u00fc/\u65e5"]:
    s3.put_object(Bucket=bucket, Key="odd/" + k, Body=k.encode())
    check("awkward key " + k, s3.get_object(Bucket=bucket, Key="odd/" + k)["Body"].read() == k.encode())
odd = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="odd/").get("Contents", [])]
check("awkward keys listed", len(odd) == 9 and "odd/a//b" in odd and "odd//leading" in odd, odd)

# presigned GET fetched with requests
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "plain/one.bin"}, ExpiresIn=300)
r = requests.get(url, timeout=30)
check("presigned GET", r.status_code == 200 and r.content == body, (r.status_code, r.text[:300]))

# errors come back as the right codes
try:
    s3.get_object(Bucket=bucket, Key="missing")
    check("NoSuchKey", False, "no error")
except s3.exceptions.NoSuchKey:
    check("NoSuchKey", True)
print("OK")
