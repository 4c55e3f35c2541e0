"""`srcquiz sync --user NAME [--server URL]`: srcquiz as one more client of Anki's
sync protocol (AnkiWeb, or a self-hosted `python -m anki.syncserver`).

srcquiz keeps its own Anki collection for each server and account, in the data
dir, and syncs it with the real protocol of the `anki` package; then merges it
with the store (`srcquiz.anki.sync_merge.merge_collection`); then syncs it up again
if the merge changed it. Only the host key the server's login returns is kept
(owner-only permissions); the password is read once, from
`SRCQUIZ_SYNC_PASSWORD` or the terminal, and never written anywhere.

A one-way full sync is never decided silently. When srcquiz's copy is empty
(the first sync of an account that already has a collection) or the server's
is (a new account), it is what a learner expects and loses nothing. When both
hold cards the server asks to choose a side: srcquiz then takes the server's
collection, so the server and other devices lose nothing, and merges its
progress into it again; it says so and waits for `--yes` first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from srcquiz.anki.sync import (
    anki_available,
    merge_marked,
    new_marker,
    open_collection,
)
from srcquiz.anki.sync_report import Progress, SyncSummary, quiet, watch
from srcquiz.deck.model import Deck
from srcquiz.errors import UserError
from srcquiz.progress.store import Store

PASSWORD_ENV = "SRCQUIZ_SYNC_PASSWORD"
ANKIWEB = "AnkiWeb"
DEFAULT_TIMEOUT_S = 60
MEDIA_WAIT_S = 600


def client_folder(endpoint: str | None, user: str) -> Path:
    """srcquiz's own collection and host key for one server and account."""
    from srcquiz.paths import data_dir

    digest = hashlib.sha256(f"{endpoint or ANKIWEB}\n{user}".encode()).hexdigest()[:16]
    return data_dir() / "anki-sync" / digest


def normalise(server: str | None) -> str | None:
    """The endpoint as Anki's client wants it (None: AnkiWeb)."""
    if server is None:
        return None
    server = server.strip()
    if not server.startswith(("http://", "https://")):
        raise UserError(f"--server must be an http:// or https:// address, not {server!r}.")
    return server if server.endswith("/") else server + "/"


def sync_server(
    server: str | None,
    user: str,
    store: Store,
    decks: Sequence[Deck],
    *,
    accept_full: bool = False,
    progress: Progress | None = None,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    ask_password: Callable[[str], str] | None = None,
) -> SyncSummary:
    """One sync with a sync server: down, merge, up (the module's steps)."""
    anki_available()
    endpoint = normalise(server)
    where = endpoint or ANKIWEB
    say = progress or quiet
    folder = client_folder(endpoint, user)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    col = open_collection(folder / "collection.anki2", create=True)
    notices: list[str] = []
    try:
        keys = HostKeys(folder / "hostkey.json")
        saved = keys.load() is not None
        auth = keys.auth(col, endpoint, user, timeout_s, ask_password)
        stage = "syncing with the server"
        try:
            with watch(col, say, stage):
                auth = _exchange(col, auth, keys, user, where, accept_full, notices, media=False)
        except AuthRefused:
            if not saved:
                raise
            # The saved key expired (a password change): log in once more.
            auth = keys.auth(col, endpoint, user, timeout_s, ask_password)
            with watch(col, say, stage):
                auth = _exchange(col, auth, keys, user, where, accept_full, notices, media=False)
        before = col.mod
        marker = new_marker(folder / "merged.json", store, decks)
        summary, mark = merge_marked(col, store, decks, marker, say)
        if col.mod != before:
            media = summary.notes.added + summary.notes.updated > 0
            with watch(col, say, "sending to the server"):
                _exchange(col, auth, keys, user, where, accept_full, notices, media=media)
        if mark is not None:
            from srcquiz.anki.sync_notes import note_stamp  # loaded by the merge

            marker.save(store, mark, col.mod, notes=marker.known_notes or note_stamp(col))
    finally:
        col.close()
    summary.notices.extend(notices)
    return summary


class AuthRefused(UserError):
    """The server refused the user name, password or saved key."""


class HostKeys:
    """The host key of one server and account, in a file only its owner can read."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("hkey"), str) else None

    def save(self, hkey: str, endpoint: str | None) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"hkey": hkey, "endpoint": endpoint}, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # whatever the umask
        os.replace(tmp, self.path)

    def forget(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()

    def auth(
        self,
        col: Any,
        endpoint: str | None,
        user: str,
        timeout_s: int,
        ask_password: Callable[[str], str] | None,
    ) -> Any:
        """The saved key, or a login (the password asked once) whose key is saved."""
        from anki.sync_pb2 import SyncAuth

        saved = self.load()
        if saved is not None:
            return SyncAuth(
                hkey=saved["hkey"],
                endpoint=saved.get("endpoint") or endpoint,
                io_timeout_secs=timeout_s,
            )
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = (ask_password or _getpass)(f"Password for {user} at {endpoint or ANKIWEB}: ")
        where = endpoint or ANKIWEB
        auth = _call(lambda: col.sync_login(user, password, endpoint), where, timeout_s, self, user)
        self.save(auth.hkey, auth.endpoint or endpoint)
        return SyncAuth(
            hkey=auth.hkey, endpoint=auth.endpoint or endpoint, io_timeout_secs=timeout_s
        )


def _getpass(prompt: str) -> str:
    import getpass

    try:
        return getpass.getpass(prompt)
    except (EOFError, OSError):
        raise UserError(
            f"no password: set {PASSWORD_ENV} or run `srcquiz sync` in a terminal."
        ) from None


def _call(fn: Callable[[], Any], where: str, timeout_s: int, keys: HostKeys, user: str) -> Any:
    """Run one call of Anki's sync client; its failures become one sentence each."""
    from anki.errors import NetworkError, SyncError, SyncErrorKind

    started = time.monotonic()
    try:
        return fn()
    except SyncError as exc:
        if exc.kind == SyncErrorKind.AUTH:
            keys.forget()  # a key the server no longer takes is useless; log in again
            raise AuthRefused(
                f"the sync server at {where} refused user {user}: wrong user name or password; "
                "nothing was changed."
            ) from None
        raise UserError(
            f"the sync server at {where} refused the sync ({_plain(exc)}); nothing was lost."
        ) from None
    except NetworkError as exc:
        if time.monotonic() - started >= timeout_s * 0.9:
            raise UserError(
                f"the sync server at {where} did not answer within {timeout_s} s; nothing was "
                "lost: run `srcquiz sync` again later (or give --timeout)."
            ) from None
        raise UserError(
            f"cannot reach the sync server at {where} ({_plain(exc)}); nothing was lost."
        ) from None


def _plain(exc: Exception) -> str:
    text = " ".join(str(exc).replace("\u2068", "").replace("\u2069", "").split())
    return text.rstrip(".") or type(exc).__name__


def _exchange(
    col: Any,
    auth: Any,
    keys: HostKeys,
    user: str,
    where: str,
    accept_full: bool,
    notices: list[str],
    *,
    media: bool,
) -> Any:
    """One `sync_collection` round trip, and the full sync the server may ask for."""
    from anki.sync_pb2 import SyncAuth, SyncCollectionResponse

    out = _call(lambda: col.sync_collection(auth, media), where, auth.io_timeout_secs, keys, user)
    if out.new_endpoint:  # AnkiWeb moved this account to another host
        auth = SyncAuth(
            hkey=auth.hkey, endpoint=out.new_endpoint, io_timeout_secs=auth.io_timeout_secs
        )
        keys.save(auth.hkey, auth.endpoint)
    if out.server_message:
        notices.append(f"the sync server says: {' '.join(out.server_message.split())}")
    required = SyncCollectionResponse.ChangesRequired.Name(out.required)
    if required in ("FULL_SYNC", "FULL_DOWNLOAD", "FULL_UPLOAD"):
        upload = required == "FULL_UPLOAD"
        if required == "FULL_SYNC" and col.card_count() and not accept_full:
            raise UserError(full_sync_question(col, where))
        col.close_for_full_sync()
        try:
            _call(
                lambda: col.full_upload_or_download(auth=auth, server_usn=None, upload=upload),
                where,
                auth.io_timeout_secs,
                keys,
                user,
            )
        finally:
            col.reopen(after_full_sync=True)
        if upload:
            notices.append(f"the collection at {where} was empty: srcquiz uploaded its own.")
        elif required == "FULL_DOWNLOAD":
            notices.append(f"srcquiz's copy was empty: it took the collection at {where}.")
        else:
            notices.append(f"took the collection at {where} in place of srcquiz's copy (--yes).")
    if media:
        _wait_for_media(col, where)
    return auth


def full_sync_question(col: Any, where: str) -> str:
    """What a one-way full sync would cost, and how to accept it."""
    reviews = col.db.scalar("SELECT count() FROM revlog WHERE usn = -1")
    notes = col.db.scalar("SELECT count() FROM notes WHERE usn = -1")
    return (
        f"the sync server at {where} asks for a one-way full sync (the collection was changed "
        "there in a way that cannot be merged): srcquiz would replace its own copy with the "
        f"server's, dropping that copy's {notes} note change(s) and {reviews} review(s) not "
        "yet sent, which srcquiz then merges again from its progress store, so the server, "
        "your other devices and srcquiz lose nothing; run again with --yes to accept."
    )


def _wait_for_media(col: Any, where: str) -> None:
    """Media sync runs in Anki's background; wait for it (bounded) before closing."""
    from anki.errors import NetworkError, SyncError

    deadline = time.monotonic() + MEDIA_WAIT_S
    while time.monotonic() < deadline:
        try:
            if not col.media_sync_status().active:
                return
        except (NetworkError, SyncError) as exc:
            raise UserError(
                f"the media sync with {where} failed ({_plain(exc)}); the cards are synced, "
                "run `srcquiz sync` again to send the media."
            ) from None
        time.sleep(0.05)
    col.abort_media_sync()
