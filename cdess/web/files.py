"""A stored upload (evidence, a follow-up's document, a report's file) sent back as a download."""

from pathlib import Path

from flask import abort, send_file


def send_stored(path: Path | None, mimetype: str, name: str):
    """The file at `path` as an attachment under its original `name`, never cached (it may be
    replaced); 404 when there is none or it is gone from the disk."""
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
