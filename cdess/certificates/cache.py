"""The public registry as visitors without an account see it: the same page for everyone, read
far more often than it changes. Each worker process keeps the last pages it built, under their
address, language, day and the certificates' last change (the "version"). The version is read
from the database at most once a second, and forgotten at once when this process commits a
change to a certificate: an issue, a suspension or a revocation shows at once in the process
that made it and within a second in the others; a structure's new name or commune within
REGISTRY_CACHE_SECONDS. People signed in, and visitors with a message waiting to be shown,
always get a fresh page. A page's forms (the language switch) carry each visitor's own CSRF
token: the first visitor's is kept as a mark in the cached page and replaced on each serving.

With REDIS_URL set (several servers), a commit that changed a certificate also increments a
counter in Redis, read on each visitor's request (one GET): the change shows at once on every
server. The database is still read once a second, for changes made outside the application's
sessions (`flask demo --structures`' bulk inserts, SQL by hand); Redis out of reach, visitors
get fresh pages.

The exports (/registre.csv, .json) stream: their bodies are not kept in memory but written to
a file in instance/cache/registry/ while the first visitor downloads them (a temporary file
renamed once complete: a download broken off leaves nothing), then read from it for the
process's next visitors; the file's name is a hash of the same key, its age the file's. At most
FILES are kept, the oldest removed first."""

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections import OrderedDict
from datetime import date
from functools import wraps
from pathlib import Path

import redis
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, func
from sqlalchemy.orm import Session

from cdess.certificates.models import Certificate
from cdess.extensions import db

ENTRIES = 256  # addresses come from visitors: the oldest entry goes past this many
VERSION_SECONDS = 1.0
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
FILES = 64  # finished exports kept on disk: a few filters, languages and versions
ABANDONED_SECONDS = 3600  # a temporary file this old was left by a process that died
VERSION_KEY = "cdess:registry-version"

log = logging.getLogger(__name__)


def _state() -> dict:
    return current_app.extensions.setdefault(
        "registry_cache",
        # `files`: this cache's own names for its files (a cache started afresh, as the tests
        # do after emptying the database, never reads an earlier one's).
        {"pages": OrderedDict(), "version": None, "checked_until": 0.0, "files": os.urandom(8)},
    )


def _redis() -> redis.Redis | None:
    """The shared Redis's client (one per application), when REDIS_URL is set."""
    if not (url := current_app.config.get("REDIS_URL")):
        return None
    clients = current_app.extensions.setdefault("registry_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return clients[url]


def _certificates_version(state: dict, now: float) -> tuple | None:
    """The last certificate issued and the last one changed (two lookups in indexes), read at
    most once a second; before them, with Redis, the count of commits that changed one on any
    server (None: Redis out of reach)."""
    shared = ()
    if (client := _redis()) is not None:
        try:
            shared = (int(client.get(VERSION_KEY) or 0),)
        except redis.RedisError as error:
            log.warning("registry cache: Redis out of reach (%s), no cache", error)
            return None
    if state["checked_until"] <= now:
        state["version"] = tuple(
            db.session.execute(
                db.select(func.max(Certificate.id), func.max(Certificate.updated_at))
            ).one()
        )
        state["checked_until"] = now + VERSION_SECONDS
    return shared + state["version"]


@event.listens_for(Session, "after_flush")
def _note_certificate_changes(session, _context) -> None:
    if any(isinstance(o, Certificate) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["certificates_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_the_version(session) -> None:
    if session.info.pop("certificates_changed", False) and has_app_context():
        if (state := current_app.extensions.get("registry_cache")) is not None:
            state["checked_until"] = 0.0
        if (client := _redis()) is not None:
            try:
                client.incr(VERSION_KEY)
            except redis.RedisError as error:  # the others see it within VERSION_SECONDS
                log.warning("registry cache: the change not published in Redis (%s)", error)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session) -> None:
    session.info.pop("certificates_changed", None)


def for_visitors(view):
    """Serve the view's 200 answers to visitors from the cache while they are current."""

    @wraps(view)
    def cached(*args, **kwargs):
        seconds = current_app.config["REGISTRY_CACHE_SECONDS"]
        if seconds <= 0 or current_user.is_authenticated or "_flashes" in session:
            return view(*args, **kwargs)
        state, now = _state(), time.monotonic()
        version = _certificates_version(state, now)
        if version is None:
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()), date.today(), version)
        pages = state["pages"]
        hit = pages.get(key)
        if hit is not None and hit[0] > now:
            _expires, body, headers = hit
            if _mark(state) in body:  # this visitor's own token in the page's forms
                body = body.replace(_mark(state), generate_csrf().encode())
            return current_app.response_class(body, headers=headers)
        path = _folder() / hashlib.sha256(state["files"] + repr(key).encode()).hexdigest()
        if (kept := _from_file(path, seconds)) is not None:
            return kept
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200:
            headers = [
                (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
            ]
            if response.is_streamed:
                response.response = _kept(response.response, path, headers, seconds)
                return response
            body = response.get_data()
            if token := g.get("csrf_token"):  # the first visitor's, marked for the next ones
                body = body.replace(token.encode(), _mark(state))
            pages[key] = (now + seconds, body, headers)
            pages.move_to_end(key)
            while len(pages) > ENTRIES:
                pages.popitem(last=False)
        return response

    return cached


def _mark(state: dict) -> bytes:
    """What stands for the visitor's CSRF token in a cached page: this cache's own random
    name, which no page's text can hold by chance."""
    return b"csrf-" + state["files"].hex().encode()


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "cache" / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _from_file(path: Path, seconds: float):
    """The export kept at `path` as a response, or None when there is none current."""
    try:
        headers = json.loads(path.with_suffix(".headers").read_text())
        found = path.stat()
    except (OSError, ValueError):  # none yet, or removed meanwhile
        return None
    if time.time() - found.st_mtime > seconds:
        return None
    response = current_app.response_class(_file_chunks(path), headers=headers)
    response.content_length = found.st_size
    return response


def _file_chunks(path: Path, size: int = 256 * 1024):
    # Opened when the body is first read, closed at its end (not by the response's owner).
    with open(path, "rb") as file:
        while chunk := file.read(size):
            yield chunk


def _write(path: Path, data: bytes) -> None:
    """Write `data` at `path` whole or not at all (readers in other processes)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as temp:
        temp.write(data)
    os.replace(temp.name, path)


def _kept(chunks, path: Path, headers: list, seconds: float):
    """The streamed body's chunks, as they go, also written to a temporary file renamed `path`
    once the last is written; removed if the download stops before."""
    name = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as temp:
            name = temp.name
            for chunk in chunks:
                data = chunk.encode() if isinstance(chunk, str) else chunk
                temp.write(data)
                yield data
        _write(path.with_suffix(".headers"), json.dumps(headers).encode())
        os.replace(name, path)
        _prune(path.parent, seconds)
    finally:
        with contextlib.suppress(OSError, TypeError):
            os.unlink(name)  # gone when renamed
        if hasattr(chunks, "close"):
            chunks.close()  # the view's generator ends its request context


def _prune(folder: Path, seconds: float) -> None:
    """Remove the exports past their time and the oldest beyond FILES, and temporary files
    abandoned by a process that died."""
    now, bodies = time.time(), []
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            age = now - entry.stat().st_mtime
            if entry.name.endswith(".part"):
                if age > ABANDONED_SECONDS:
                    os.unlink(entry.path)
            elif not entry.name.endswith(".headers"):
                bodies.append((age, entry.path))
    bodies.sort()
    for number, (age, body) in enumerate(bodies):
        if number >= FILES or age > seconds:
            for name in (body, body + ".headers"):
                with contextlib.suppress(OSError):
                    os.unlink(name)
