"""Bounded reads of regular files (`srcquiz.files`): what every deck, cache entry and
database check reads through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from srcquiz import files


def test_a_file_is_read_whole_up_to_its_limit_and_refused_past_it(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert files.read_regular(path, 100) == b"x" * 100
    with pytest.raises(files.TooLarge):
        files.read_regular(path, 99)
    path.write_bytes(b"")
    assert files.read_regular(path, 100) == b""


def test_a_file_that_grew_after_its_size_was_taken_is_still_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read asks for the size `fstat` gave; bytes written after that are read too,
    and still count against the limit."""
    path = tmp_path / "f"
    path.write_bytes(b"y" * 100)
    real = os.fstat

    def as_it_was(fd: int) -> os.stat_result:  # the size before the last 90 bytes
        st = real(fd)
        return os.stat_result((*st[:6], 10, *st[7:10]))

    monkeypatch.setattr(files.os, "fstat", as_it_was)
    assert files.read_regular(path, 100) == b"y" * 100
    with pytest.raises(files.TooLarge):
        files.read_regular(path, 99)


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "p"
    os.mkfifo(pipe)
    with pytest.raises(files.NotAFile, match="named pipe"):
        files.read_regular(pipe, 100)
