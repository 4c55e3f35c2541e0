"""Generate a synthetic deck of N questions: every kind, realistic text, some CJK.

    python bench/gen_deck.py 10000 -o /tmp/deck10k.yaml
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = (
    "master worker signal process channel socket event loop epoll queue buffer backlog "
    "replica thread executor chooser factory module parameter buffer hook tensor latent "
    "scheduler encoder decoder attention kernel fork reload reopen graceful shutdown"
).split()
CJK = "主进程 工作进程 信号 事件循环 线程池 模型 参数 缓冲区 复制 调度器".split()


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(CJK))
    return " ".join(words)


def _q(s: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def question_yaml(i: int, rng: random.Random) -> str:
    kind = ("card", "short", "number", "choice", "truefalse", "cloze", "order", "match")[i % 8]
    lines = [f"  - id: q{i:06d}", f"    kind: {kind}"]
    prompt = _text(rng, rng.randint(8, 20)) + "?"
    if kind == "card":
        lines += [f"    prompt: {_q(prompt)}", f"    answer: {_q(_text(rng, 12))}"]
    elif kind == "short":
        lines += [f"    prompt: {_q(prompt)}", f"    answer: sig{i}", f"    accept: [s{i}, x{i}]"]
    elif kind == "number":
        lines += [f"    prompt: {_q(prompt)}", f"    answer: {i}", "    unit: threads"]
    elif kind == "choice":
        opts = [f"opt{i}-{j}" for j in range(4)]
        lines += [f"    prompt: {_q(prompt)}", "    options:"]
        lines += [f"      - {o}" for o in opts]
        lines += [f"    answer: {opts[i % 4]}"]
    elif kind == "truefalse":
        lines += [f"    prompt: {_q(prompt)}", f"    answer: {'true' if i % 2 else 'false'}"]
    elif kind == "cloze":
        text = f"{_text(rng, 6)} {{{{c1::{rng.choice(WORDS)}{i}}}}} {_text(rng, 6)}"
        lines += [f"    prompt: {_q(text)}"]
    elif kind == "order":
        lines += [f"    prompt: {_q(prompt)}", "    items:"]
        lines += [f"      - step {j} of {i}" for j in range(4)]
    else:
        lines += [f"    prompt: {_q(prompt)}", "    pairs:"]
        lines += [f"      L{j}x{i}: R{j}x{i}" for j in range(3)]
    lines.append(f"    explanation: {_q(_text(rng, rng.randint(15, 35)) + '.')}")
    if i % 5 == 0:
        lines += ["    lang: c", "    code: |", "      for ( ;; ) {", "          sigsuspend(&set);",
                  "      }"]
    return "\n".join(lines)


def deck_yaml(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    head = [
        "# yaml-language-server: $schema=deck.schema.json",
        f"title: Synthetic deck of {n} questions",
        "description: Generated for benchmarks.",
        "sources: [synthetic]",
        "tags: [bench]",
        "questions:",
    ]
    return "\n".join(head + [question_yaml(i, rng) for i in range(n)]) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    args.output.write_text(deck_yaml(args.n), encoding="utf-8")


if __name__ == "__main__":
    main()
