"""A SeaweedFS S3 server for the storage tests, started once per test process (a few
seconds), skipped without the `weed` binary unless CDESS_REQUIRE_S3=1."""

import pytest

from tests.s3server import require_weed, start_seaweedfs, stop_seaweedfs


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    binary = require_weed()
    endpoint_url, process = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"), binary)
    yield endpoint_url
    stop_seaweedfs(process)
