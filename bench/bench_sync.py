"""Sync speed: `srcquiz sync` against Anki's own sync server on localhost.

    .venv/bin/python bench/bench_sync.py [--reviews N] [--runs R] [--json]

1. The first sync of every bundled deck with N (default 10,000) reviews in the
   store: notes added, reviews sent, states written, uploaded. Budget: < 10 s.
2. A sync with nothing changed against a bare `sync_collection` round trip on
   the same server and account, both measured two ways: in one process (open
   the collection, sync, close; srcquiz also reads both sides and merges), and
   as a whole command (`srcquiz sync` against `python -c` doing the bare round
   trip, interpreter start and imports included). Budget: <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bulk import bulk_load  # noqa: E402

USER, PASSWORD = "bench", "bench-password"


def start_server(base: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "SYNC_USER1": f"{USER}:{PASSWORD}",
        "SYNC_BASE": str(base),
        "SYNC_HOST": "127.0.0.1",
        "SYNC_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "anki.syncserver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if "listening" in line:
            return proc, f"http://127.0.0.1:{port}/"
        if not line:
            break
    proc.kill()
    raise SystemExit("the sync server did not start")


def fill_store(db: Path, decks: list, n: int) -> None:
    """N scheduled reviews over the past half year, states replayed as sessions would."""
    from srcquiz.progress.rows import NewReview
    from srcquiz.progress.store import Store
    from srcquiz.study.scheduler import Rating, review

    rng = random.Random(7)
    keys = [(d.id, k) for d in decks for k in d.card_keys()]
    now = datetime.now().astimezone()
    times = sorted(now - timedelta(days=180) * rng.random() for _ in range(n))
    states: dict = {}
    rows = []
    for at in times:
        deck_id, key = rng.choice(keys)
        rating = rng.choice((1, 2, 3, 3, 3, 4))
        before = states.get((deck_id, key))
        states[(deck_id, key)] = review(before, Rating(rating), at)
        rows.append(
            NewReview(
                deck_id, key, at.timestamp(), rating, "right", 1.0, "x", 5000, "review",
                None, False, None, before,
            )
        )
    with Store.open(db) as store:
        bulk_load(store, ((d, k, s) for (d, k), s in states.items()), rows)


def bare_round_trip(col_path: Path, hkey: str, url: str) -> float:
    from anki.collection import Collection
    from anki.sync_pb2 import SyncAuth

    start = time.perf_counter()
    col = Collection(str(col_path))
    col.sync_collection(SyncAuth(hkey=hkey, endpoint=url), False)
    col.close()
    return time.perf_counter() - start


BARE = """
import sys
from anki.collection import Collection
from anki.sync_pb2 import SyncAuth
col = Collection(sys.argv[1])
col.sync_collection(SyncAuth(hkey=sys.argv[2], endpoint=sys.argv[3]), False)
col.close()
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="srcquiz-bench-sync-") as tmp:
        os.environ["SRCQUIZ_HOME"] = str(Path(tmp) / "home")
        os.environ["SRCQUIZ_SYNC_PASSWORD"] = PASSWORD
        proc, url = start_server(Path(tmp) / "server")
        try:
            rows = measure(Path(tmp), url, args.reviews, args.runs)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            ref = (
                f" vs {row['reference_ms']:.1f} ms ({row['ratio']:.2f}x)" if "ratio" in row else ""
            )
            print(f"{row['measure']}: {row['srcquiz_ms']:.1f} ms{ref}  budget {row['budget']}")
    return 0


def measure(tmp: Path, url: str, reviews: int, runs: int) -> list[dict]:
    from srcquiz.anki.sync_server import client_folder, sync_server
    from srcquiz.deck.loader import load_decks
    from srcquiz.paths import bundled_decks_dir
    from srcquiz.progress.store import Store

    decks, _ = load_decks([bundled_decks_dir()])
    db = tmp / "progress.sqlite3"
    fill_store(db, decks, reviews)
    with Store.open(db) as store:
        start = time.perf_counter()
        first = sync_server(url, USER, store, decks)
        t_first = time.perf_counter() - start
    assert first.sent == reviews, first.line()
    folder = client_folder(url, USER)
    hkey = json.loads((folder / "hostkey.json").read_text())["hkey"]
    col_path = folder / "collection.anki2"

    ours, bare = [], []
    with Store.open(db) as store:
        for _ in range(runs):  # interleaved, so load changes hit both alike
            bare.append(bare_round_trip(col_path, hkey, url))
            start = time.perf_counter()
            summary = sync_server(url, USER, store, decks)
            ours.append(time.perf_counter() - start)
            assert summary.sent == summary.received == 0, summary.line()
    cli_ours, cli_bare = [], []
    env = {**os.environ}
    cmd = [
        sys.executable,
        "-m",
        "srcquiz",
        "--db",
        str(db),
        "sync",
        "--server",
        url,
        "--user",
        USER,
    ]
    for _ in range(max(3, runs // 3)):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE, str(col_path), hkey, url], check=True, env=env)
        cli_bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        cli_ours.append(time.perf_counter() - start)
    m_ours, m_bare = statistics.median(ours), statistics.median(bare)
    c_ours, c_bare = statistics.median(cli_ours), statistics.median(cli_bare)
    return [
        {
            "measure": f"first sync, {len(decks)} bundled decks, {reviews // 1000}k reviews",
            "srcquiz_ms": round(t_first * 1000, 1),
            "budget": "< 10000 ms",
        },
        {
            "measure": "sync with nothing changed (in process)",
            "srcquiz_ms": round(m_ours * 1000, 1),
            "reference": "open + sync_collection + close",
            "reference_ms": round(m_bare * 1000, 1),
            "ratio": round(m_ours / m_bare, 2),
            "budget": "<= 1.5x",
        },
        {
            "measure": "sync with nothing changed (command)",
            "srcquiz_ms": round(c_ours * 1000, 1),
            "reference": "python -c bare sync_collection",
            "reference_ms": round(c_bare * 1000, 1),
            "ratio": round(c_ours / c_bare, 2),
            "budget": "<= 1.5x",
        },
    ]


if __name__ == "__main__":
    raise SystemExit(main())
