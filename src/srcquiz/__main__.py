"""The `srcquiz` command (the installed script) and `python -m srcquiz`.

The cyclic GC is paused before anything else is imported: start-up makes only
objects that live on (modules, the argument parser), and the collections run
while they piled up cost 2.6 ms of the app's start in a terminal. `cli.parser`
resumes it once the command is known; the app keeps it paused to its first frame
(`tui.launch.prepare_app`).
"""

import gc


def main() -> int:
    gc.disable()
    from srcquiz.cli.parser import main as run_command

    return run_command(gc_paused=True)


if __name__ == "__main__":
    raise SystemExit(main())
