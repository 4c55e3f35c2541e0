"""A small git repository made in a test: one C file whose `master_cycle` moves between
two tagged commits, with fixed dates so its commit ids are the same in every run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

V1 = """\
#include "core.h"

static void
master_cycle(int signo)
{
    sigsuspend(&set);
}

static void helper(void);
"""

V2 = """\
#include "core.h"

static void helper(void);

/* master_cycle is where the master waits; it moved below its helpers. */
static void
helper(void)
{
    master_cycle(0);
}

static int
reap_children(void)
{
    return 0;
}

static void
master_cycle(int signo)
{
    for ( ;; ) {
        sigsuspend(&set);
    }
}
"""
V1_LINE, V2_LINE = 4, 19  # where `master_cycle(` is defined in each
FIXED = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **FIXED}
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def make_repo(root: Path) -> Path:
    """`root` as a git repository: v1 and v2 tagged, checked out at v1 on a branch of its own."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "src").mkdir()
    for version, text in (("v1", V1), ("v2", V2)):
        (root / "src" / "cycle.c").write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", version)
        git(root, "tag", version)
    git(root, "checkout", "-q", "-b", "elsewhere", "v1")  # the work tree is not at v2
    return root
