"""Uploaded files in a folder of the server (UPLOAD_DIR): the default, one server only."""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import abort, send_file

# A file being written; the name it will have once complete, without the suffix.
TEMPORARY_SUFFIX = ".part"


def check_key(key: str) -> str:
    """`key` when it is a relative name of plain parts; ValueError otherwise."""
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or any(p in ("", ".", "..") for p in parts) or "\\" in key or "\x00" in key:
        raise ValueError(f"Clé de stockage refusée : {key!r}")
    return key


class LocalStorage:
    """Files under `root`, created when first needed."""

    def __init__(self, root):
        self.root = Path(root)
        self.location = str(self.root)  # for the operator's messages

    def path(self, key: str) -> Path:
        """Where the file of `key` is (or would be) on this server's disk."""
        return self.root / check_key(key)

    def put(self, key: str, stream, *, sync: bool = True) -> tuple[str, str]:
        """Copy the binary `stream` to `key`; return the key and the bytes' SHA-256. Written as
        `<key>.part`, synced, then renamed: the key only ever holds a complete file, and on any
        error nothing is left behind. `sync=False` skips the two fsyncs (~10 ms a file), for
        files that can be made again (the demo's)."""
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(final.name + TEMPORARY_SUFFIX)
        digest = hashlib.sha256()
        try:
            with open(temporary, "xb") as out:
                while chunk := stream.read(1 << 16):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if sync:
                    os.fsync(out.fileno())
            temporary.replace(final)
            if sync:
                _sync(final.parent)  # the rename itself survives a crash
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return key, digest.hexdigest()

    def open(self, key: str):
        return open(self.path(key), "rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, folder: str = "") -> dict[str, float]:
        """The plain files directly in `folder` (no sub-folder, no symbolic link), key →
        modification time; empty when the folder does not exist."""
        place = self.path(folder) if folder else self.root
        found = {}
        try:
            entries = list(place.iterdir())
        except FileNotFoundError:
            return found
        for path in entries:
            try:
                if path.is_file() and not path.is_symlink():
                    key = f"{folder}/{path.name}" if folder else path.name
                    found[key] = path.stat().st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue
        return found

    def send(self, key: str, mimetype: str, name: str):
        path = self.path(key)
        if not path.is_file():
            abort(404)
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def probe(self) -> None:
        # An unnamed temporary file (O_TMPFILE on Linux): a process killed during the check
        # leaves nothing for `flask storage check` to find.
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.root) as probe:
            probe.write(b"ok")
            probe.flush()


def _sync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
