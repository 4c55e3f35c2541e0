"""Reading files that may not be what their names promise.

A path given for a deck, a database, a cache entry or an anchored source file can
be a named pipe (opening it for reading waits for a writer forever), a device
(`/dev/zero` never ends) or a file far larger than anything srcquiz reads. Every
such read goes through `open_regular`: the file is opened without blocking,
checked with `fstat` on the open descriptor (no window between check and use),
and refused unless it is a regular file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class NotAFile(OSError):  # noqa: N818 - an OSError, named for the sentence it ends up in
    """The path exists but is not a regular file; `kind` says what it is instead."""

    def __init__(self, path: Path, kind: str):
        super().__init__(f"{path} is {kind}, not a file")
        self.kind = kind


class TooLarge(OSError):  # noqa: N818
    """The file is larger than the caller is willing to read."""

    def __init__(self, path: Path, size: int, limit: int):
        super().__init__(f"{path} is {size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a non-regular file is, for a sentence: "a folder", "a named pipe (FIFO)", ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path, limit: int | None = None) -> BinaryIO:
    """Open `path` for reading in binary mode, or raise without ever blocking.

    Raises `NotAFile` for a folder, pipe, device or socket, `TooLarge` when the file
    is over `limit` bytes, and the usual OSError (FileNotFoundError, ...) otherwise.
    """
    fd = os.open(path, _FLAGS | _NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(path, kind_of(st.st_mode))
        if limit is not None and st.st_size > limit:
            raise TooLarge(path, st.st_size, limit)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """The whole of a regular file of at most `limit` bytes (see `open_regular`).

    The limit holds even for a file that grows while it is read.
    """
    with open_regular(path, limit) as f:
        # Asked for its size, not for the limit: a read of `limit` bytes allocates that
        # much first (24 cache entries took 0.5 ms instead of 0.1 under a 200 MB limit).
        size = os.fstat(f.fileno()).st_size
        data = f.read(min(size, limit) + 1)
        if len(data) > size:  # it grew while being read: the rest, up to the limit
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise TooLarge(path, len(data), limit)
    return data


def stat_stamp(path: str | Path) -> str:
    """A file as seen from outside (size, mtime, inode, device), or "missing": equal
    stamps mean a file not rewritten, the rule Python's bytecode cache trusts."""
    try:
        st = os.stat(path)  # not Path.stat: callers stamp many files on a hot path
    except OSError:
        return "missing"
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino} {st.st_dev}"
