"""A long sync's progress: Anki's own progress, polled while its backend works."""

from __future__ import annotations

import threading
import time

from srcquiz.anki.sync_report import anki_counts, quiet, watch


class FakeCollection:
    """Anki's progress as a backend call moves it along (a full upload)."""

    def __init__(self) -> None:
        from anki.collection_pb2 import Progress

        self.message = Progress()
        self.lock = threading.Lock()

    def latest_progress(self):
        with self.lock:
            return self.message

    def upload(self, steps: int) -> None:
        from anki.collection_pb2 import Progress

        for i in range(1, steps + 1):
            with self.lock:
                self.message = Progress(
                    full_sync=Progress.FullSync(transferred=i * 1024 * 100, total=steps * 102400)
                )
            time.sleep(0.15)


def test_watch_passes_on_anki_s_byte_counts_while_the_call_runs() -> None:
    col, heard = FakeCollection(), []
    with watch(col, lambda *args: heard.append(args), "sending to the server"):
        col.upload(3)
    assert heard[0] == ("sending to the server",)
    counts = [h[1:] for h in heard[1:]]
    assert counts and all(total == 300 and unit == "kB" for _, total, unit in counts)
    assert [done for done, _, _ in counts] == sorted(done for done, _, _ in counts)
    assert not any(t.name == "srcquiz-sync-progress" for t in threading.enumerate())


def test_a_message_without_counts_changes_nothing_shown() -> None:
    from anki.collection_pb2 import Progress

    assert anki_counts(Progress(normal_sync=Progress.NormalSync(stage="Syncing..."))) == (0, 0, "")
    assert anki_counts(Progress()) == (0, 0, "")


def test_nobody_watching_starts_no_thread() -> None:
    before = threading.active_count()
    with watch(FakeCollection(), quiet, "syncing with the server"):
        assert threading.active_count() == before
