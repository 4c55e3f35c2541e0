"""Writing files so that a failure never leaves half of one.

The one place srcquiz replaces a user's file (packages, decks, caches): write a
temporary file beside the target, flush and fsync it, then rename it over the
target, with one plain sentence for each way the disk can refuse.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from srcquiz.errors import UserError


def reason(exc: OSError) -> str:
    """How the disk refused, in a few plain words."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    if exc.errno == errno.ENOENT:
        return "the folder does not exist"
    return (exc.strerror or str(exc)).rstrip(".").lower()


def write_atomically(
    output: Path, write: Callable[[IO[bytes]], object], *, example: str = "srcquiz.apkg"
) -> None:
    """Write to a temporary file beside `output`, then rename it over `output`:
    a failure at any point leaves the previous file as it was, and a reader
    never sees half a file. `example` names a file for the folder-given error."""
    if output.is_dir():
        raise UserError(f"{output} is a folder; give a file name such as {output / example}.")
    folder = output.parent
    if not folder.is_dir():
        raise UserError(f"cannot write {output}: the folder {folder} does not exist.")
    kept = " The previous file is unchanged." if output.exists() else ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {reason(exc)}.{kept}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(output))
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {output}: {reason(exc)}.{kept}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _file_mode(output: Path) -> int:
    try:
        return output.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# A cache's temp files: written beside their entry, renamed into place when whole.
TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600  # a temp file this old belongs to a write that was killed


def remove_stale_temps(folder: Path, suffix: str, now: float | None = None) -> None:
    """Remove `TMP_PREFIX*suffix` files in `folder` older than `STALE_TMP_S`: what
    writes killed between creating a temp file and renaming it left behind. A file
    that cannot be read or removed is left; the caches work without this."""
    with contextlib.suppress(OSError):
        remove_stale(folder.glob(f"{TMP_PREFIX}*{suffix}"), now)


def remove_stale(temps: Iterable[Path], now: float | None = None) -> None:
    """Remove those of `temps` older than `STALE_TMP_S` (younger ones may be another
    process's write in the making); any that cannot be read or removed is left."""
    cutoff = (time.time() if now is None else now) - STALE_TMP_S
    for tmp in temps:
        with contextlib.suppress(OSError):
            if tmp.lstat().st_mtime < cutoff:
                tmp.unlink()


def write_cache_file(path: Path, data: bytes) -> None:
    """Put `data` at `path` in a cache folder: through a temp file beside it, named
    `TMP_PREFIX*<path's suffix>` so `remove_stale_temps` finds it if the write is
    killed, renamed into place; the temp file goes on any failure. Not synced: an
    entry a crash loses costs only speed. Raises OSError, which callers take as a
    miss (a read-only or full cache folder)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
