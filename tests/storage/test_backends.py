"""The storage contract, the same tests on both backends: the local folder and a real S3
server (SeaweedFS): put, open, exists, size, keys, delete; a failed put leaves nothing; keys
are plain relative names; an unreachable S3 server is a clear error."""

import hashlib
import io
import itertools
import time

import pytest
from botocore.exceptions import ClientError

from cdess.storage import StorageError, folder_key
from cdess.storage.local import LocalStorage
from cdess.storage.s3 import SPOOL_BYTES, S3Storage
from tests.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, _free_ports

BUCKET = "cdess-contract"
_folders = itertools.count(1)


@pytest.fixture(scope="module")
def s3_backend(s3_endpoint):
    backend = S3Storage(s3_endpoint, BUCKET, ACCESS_KEY_ID, SECRET_ACCESS_KEY, REGION)
    backend.prepare()  # creates the bucket
    backend.prepare()  # and finds it the second time
    return backend


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    return request.getfixturevalue("s3_backend")


@pytest.fixture
def folder():
    """A folder of its own for each test (the S3 bucket is shared by the module's tests)."""
    return f"dossier{next(_folders)}-{time.time_ns()}"


class Failing(io.RawIOBase):
    """A stream that breaks after `size` bytes: a client gone in the middle of an upload."""

    def __init__(self, size: int):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            raise OSError("connection lost")
        n = min(len(buffer), self.left, 4096)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_put_then_read_exists_size_and_delete(backend, folder):
    content = b"%PDF-1.7 statuts " * 100
    key = folder_key(folder, "a" * 32)
    assert backend.put(key, io.BytesIO(content)) == (key, hashlib.sha256(content).hexdigest())
    assert backend.exists(key)
    assert backend.size(key) == len(content)
    with backend.open(key) as stream:
        assert stream.read() == content
    backend.delete(key)
    assert not backend.exists(key)
    backend.delete(key)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        backend.open(key)
    with pytest.raises(FileNotFoundError):
        backend.size(key)


def test_an_unsynced_put_is_whole_too(backend, folder):
    """`sync=False` (the demo's files) skips the fsyncs, not the rename."""
    key = folder_key(folder, "9" * 32)
    assert backend.put(key, io.BytesIO(b"demo"), sync=False)[0] == key
    assert list(backend.keys(folder)) == [key] and backend.size(key) == 4


def test_a_put_replaces_the_whole_file(backend, folder):
    key = folder_key(folder, "b" * 32)
    backend.put(key, io.BytesIO(b"first version, longer than the second"))
    backend.put(key, io.BytesIO(b"second"))
    with backend.open(key) as stream:
        assert stream.read() == b"second"


def test_keys_lists_the_folder_only_with_recent_times(backend, folder):
    before = time.time() - 60
    top, deeper = folder_key(folder, "c" * 32), folder_key(folder, "suivis/" + "d" * 32)
    for key in (top, deeper):
        backend.put(key, io.BytesIO(b"x"))
    listed = backend.keys(folder)
    assert list(listed) == [top]  # not the sub-folder's file
    assert before < listed[top] < time.time() + 60
    assert list(backend.keys(folder_key(folder, "suivis"))) == [deeper]
    assert backend.keys(folder_key(folder, "vide")) == {}


def test_a_large_file_goes_whole(backend, folder):
    """Above the in-memory spool and the multipart threshold on S3."""
    content = bytes(range(256)) * (SPOOL_BYTES // 256 + 4096)
    key = folder_key(folder, "e" * 32)
    assert backend.put(key, io.BytesIO(content))[1] == hashlib.sha256(content).hexdigest()
    assert backend.size(key) == len(content)
    with backend.open(key) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(content).digest()


def test_a_failed_put_leaves_nothing(backend, folder):
    key = folder_key(folder, "f" * 32)
    with pytest.raises(OSError, match="connection lost"):
        backend.put(key, io.BufferedReader(Failing(200_000)))
    assert not backend.exists(key)
    assert backend.keys(folder) == {}  # no temporary file either


def test_a_failed_replacement_keeps_the_previous_file(backend, folder):
    key = folder_key(folder, "0" * 32)
    backend.put(key, io.BytesIO(b"kept"))
    with pytest.raises(OSError):
        backend.put(key, io.BufferedReader(Failing(10_000)))
    with backend.open(key) as stream:
        assert stream.read() == b"kept"
    assert list(backend.keys(folder)) == [key]


@pytest.mark.parametrize("key", ["", "../x", "/x", "a//b", "a/../b", "a\\b", "./a", "a/"])
def test_a_key_is_a_plain_relative_name(backend, key):
    for use in (backend.exists, backend.open, backend.delete):
        with pytest.raises(ValueError, match="Clé de stockage refusée"):
            use(key)
    with pytest.raises(ValueError, match="Clé de stockage refusée"):
        backend.put(key, io.BytesIO(b"x"))


def test_a_local_file_written_before_the_interface_is_read(tmp_path):
    """The keys are the names files always had in UPLOAD_DIR."""
    (tmp_path / "signalements").mkdir()
    (tmp_path / "signalements" / ("9" * 32)).write_bytes(b"ancien")
    backend = LocalStorage(tmp_path)
    with backend.open("signalements/" + "9" * 32) as stream:
        assert stream.read() == b"ancien"


def test_an_unreachable_s3_server_is_a_clear_error():
    (port,) = _free_ports(1)
    backend = S3Storage(f"http://127.0.0.1:{port}", BUCKET, "k", "s", REGION)
    with pytest.raises(StorageError, match=r"Stockage S3 inutilisable .*S3_ENDPOINT_URL"):
        backend.prepare()


def test_wrong_keys_fail_the_probe(s3_endpoint, s3_backend):
    s3_backend.probe()
    wrong = S3Storage(s3_endpoint, BUCKET, ACCESS_KEY_ID, "not-the-secret", REGION)
    with pytest.raises(ClientError, match=r"SignatureDoesNotMatch|AccessDenied|403"):
        wrong.probe()
    with pytest.raises(StorageError, match="seau « cdess-contract »"):
        wrong.prepare()
