"""Where uploaded files live: the instance's UPLOAD_DIR folder (`STORAGE = "local"`, the
default) or an S3-compatible bucket (`STORAGE = "s3"`), so that several application servers
share them. Every read, write and deletion of an uploaded file goes through `storage()`.

A file is named by its key, the name it has always had under UPLOAD_DIR: `<stored_name>` for
the applications' evidence, `suivis/<stored_name>` and `signalements/<stored_name>` for the
follow-ups' and the reports' documents; files written before S3 existed keep working.

Every backend offers:
- `put(key, stream, sync=True) -> (key, sha256)`: the whole stream or nothing (local:
  `<key>.part`, synced unless `sync=False`, renamed; S3: one PutObject, or a multipart upload
  that only appears once complete);
- `open(key)`: a binary stream to read (FileNotFoundError when there is none);
- `exists(key)`, `size(key)`, `delete(key)` (nothing to delete is no error);
- `keys(folder)`: the files directly in `folder` ("" for the top), key → modification time
  (seconds since the epoch), for `flask storage check`;
- `send(key, mimetype, name)`: the file as a download, 404 when it is gone (S3: its body
  streamed through the application, never a bucket URL);
- `prepare()`: make the place ready (`flask init-db`; S3: create the bucket when missing);
- `probe()`: raise unless a file could be written now (`/sante`);
- `location`: where the files are, for the operator's messages (a folder, `s3://<bucket>`).

Where the issue is silent, decided here:
- a key is a relative name of plain parts (no `..`, no empty part, no backslash): refused
  otherwise, whichever backend;
- the backend is read from the settings at each use (tests change UPLOAD_DIR between two
  requests); only the S3 client is kept, one per application and settings, made on first use."""

import threading

from flask import current_app

from cdess.storage.local import LocalStorage, check_key

__all__ = ["StorageError", "check_key", "folder_key", "storage"]

_LOCK = threading.Lock()


class StorageError(RuntimeError):
    """The storage cannot be used (an unreachable S3 server, a wrong setting): the message is
    for the operator."""


def folder_key(folder: str, name: str) -> str:
    """The key of `name` in `folder` ("" for the top)."""
    return f"{folder}/{name}" if folder else name


def storage():
    """The current application's storage backend, as its settings choose."""
    config = current_app.config
    kind = config.get("STORAGE") or "local"
    if kind == "local":
        return LocalStorage(config["UPLOAD_DIR"])
    if kind != "s3":
        raise StorageError(f"STORAGE inconnu : {kind!r} (attendu : « local » ou « s3 »).")
    settings = tuple(
        config.get(name)
        for name in (
            "S3_ENDPOINT_URL",
            "S3_BUCKET",
            "S3_ACCESS_KEY_ID",
            "S3_SECRET_ACCESS_KEY",
            "S3_REGION",
        )
    )
    cache = current_app.extensions.setdefault("storage", {})
    backend = cache.get(settings)
    if backend is None:
        with _LOCK:
            backend = cache.get(settings)
            if backend is None:
                from cdess.storage.s3 import S3Storage  # boto3 is only imported when used

                backend = cache[settings] = S3Storage(*settings)
    return backend
