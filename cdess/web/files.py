"""A stored upload (evidence, a follow-up's document, a report's file) sent back as a download."""

from flask import abort

from cdess.storage import storage


def send_stored(key: str | None, mimetype: str, name: str):
    """The file of storage `key` as an attachment under its original `name`, never cached (it
    may be replaced); 404 when there is none or it is gone from the storage. From a bucket, its
    body is streamed through the application (the bucket stays private)."""
    if key is None:
        abort(404)
    return storage().send(key, mimetype, name)
