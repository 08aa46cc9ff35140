"""Uploaded files in an S3-compatible bucket (SeaweedFS, MinIO, Garage, a cloud's), shared by
every application server. The bucket is private: a download goes through the application,
which checks who asks, then streams the object's body."""

import hashlib
import tempfile

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import abort, send_file

from cdess.storage import StorageError
from cdess.storage.local import check_key

# Uploads up to this size are kept in memory while their SHA-256 is computed, larger ones
# spill to a temporary file; above it, a multipart upload (the object appears once complete).
SPOOL_BYTES = 8 * 1024 * 1024
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING


class S3Storage:
    """Files as objects of one bucket, their key unchanged."""

    def __init__(self, endpoint_url, bucket, access_key_id, secret_access_key, region):
        if not bucket:
            raise StorageError("STORAGE = « s3 » demande S3_BUCKET.")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region or "us-east-1"
        self.location = f"s3://{bucket}"  # for the operator's messages
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=self.region,
            config=Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                # A self-hosted server is reached by its address, the bucket in the path.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                # Checksums only where S3 requires them: not every compatible server knows
                # the newer ones boto3 would add to each upload.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self.transfer = TransferConfig(
            multipart_threshold=SPOOL_BYTES, multipart_chunksize=SPOOL_BYTES, use_threads=False
        )

    def put(self, key: str, stream, *, sync: bool = True) -> tuple[str, str]:
        """Copy the binary `stream` to the object `key`; return the key and the bytes'
        SHA-256 (also kept in the object's metadata). The object exists only once complete,
        and is durable once written (`sync` is the local folder's)."""
        check_key(key)
        digest = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            while chunk := stream.read(1 << 16):
                digest.update(chunk)
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(
                spool,
                self.bucket,
                key,
                ExtraArgs={"Metadata": {"sha256": digest.hexdigest()}},
                Config=self.transfer,
            )
        return key, digest.hexdigest()

    def _get(self, key: str) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from None
            raise

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def open(self, key: str):
        return self._get(key)["Body"]

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return head["ContentLength"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def keys(self, folder: str = "") -> dict[str, float]:
        """The objects directly in `folder` (not those of its sub-folders), key →
        modification time."""
        prefix = f"{check_key(folder)}/" if folder else ""
        found = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    found[item["Key"]] = item["LastModified"].timestamp()
        return found

    def send(self, key: str, mimetype: str, name: str):
        """The object as an attachment, its body streamed: the headers a local file gets."""
        try:
            obj = self._get(key)
        except FileNotFoundError:
            abort(404)
        response = send_file(
            obj["Body"],
            mimetype=mimetype,
            as_attachment=True,
            download_name=name,
            max_age=0,
            conditional=False,
            last_modified=obj.get("LastModified"),
        )
        response.content_length = obj["ContentLength"]
        return response

    def prepare(self) -> None:
        """Create the bucket when it is missing; StorageError when the server cannot be
        reached or refuses."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if not _missing(error):
                raise self._unusable(error) from error
            options = {}
            if self.region != "us-east-1" and not self.endpoint_url:
                options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self.client.create_bucket(Bucket=self.bucket, **options)
            except (BotoCoreError, ClientError) as create_error:
                raise self._unusable(create_error) from create_error
        except BotoCoreError as error:
            raise self._unusable(error) from error

    def probe(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def _unusable(self, error: Exception) -> StorageError:
        where = self.endpoint_url or "S3"
        return StorageError(
            f"Stockage S3 inutilisable ({where}, seau « {self.bucket} ») : {error}. "
            "Vérifiez S3_ENDPOINT_URL, S3_BUCKET, S3_ACCESS_KEY_ID et S3_SECRET_ACCESS_KEY."
        )
