"""The bundled decks: every source topic covered, well formed, and worth studying."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from srcquiz.cli.parser import main
from srcquiz.deck.kinds import Choice, Short
from srcquiz.deck.loader import load_deck_file, load_decks
from srcquiz.deck.model import Deck
from srcquiz.paths import bundled_decks_dir

LINT = Path(__file__).parent.parent / "fixtures" / "lint"

# The 24 source articles the bundled decks are written from, titled as published.
ARTICLES = [
    "Pytorch源码剖析:nn.Module功能介绍及实现原理",
    "Netty源码-Reactor线程模型之NioEventLoopGroup研究",
    "Stable Diffusion详解与模型源码",
    "nginx源码分析--master和worker进程模型",
    "Qt源码中的设计模式:模型/视图框架与代理模式",
    "开源模型是什么",
    "DETR3D模型源码导读 & MMDetection3D构建流程",
    "DenseNet源码解读(pytorch官方)",
    "AlexNet网络模型的PyTorch实现",
    "Koa 洋葱模型",
    "Redis——Epoll网络模型",
    "YOLO-Fastest模型结构解读",
    "PyTorch源码学习 - ()模型的保存与加载",
    "MaskFormer源码解析",
    "自然语言处理大模型BLOOM模型结构源码解析(张量并行版)",
    "Pytorch之Dataparallel源码解析",
    "AI与PDE(七):AFNO模型的源代码解析",
    "腾讯T2I-adapter源码分析(3)-训练源码分析",
    "Redis 主从复制 - 源码梳理",
    "Android Adb 源码分析(一)",
    "SD-Webui源代码学习笔记:(一)生成的调用过程",
    "DeepSpeed源码笔记3优化器",
    "深入konva实现原理 - 事件系统",
    "ResNet论文笔记及代码剖析",
]
# Topic 1 has a second article; questions may name either.
SOURCES = [*ARTICLES, "Pytorch深入剖析 | 1-torch.nn.Module方法及源码"]
HEADLINE = [
    "nginx-process-model",
    "netty-nioeventloopgroup",
    "stable-diffusion",
    "redis-event-loop",
    "pytorch-nn-module",
]
CODE_DECKS = ["nginx", "netty", "redis", "pytorch", "torchvision", "konva", "koa"]


@pytest.fixture(scope="module")
def decks() -> list[Deck]:
    decks, diags = load_decks([bundled_decks_dir()])
    assert not diags, "\n".join(map(str, diags))  # lint --strict clean: no warnings either
    return decks


def test_every_article_has_a_deck_of_at_least_8(decks: list[Deck]) -> None:
    for title in ARTICLES:
        covering = [d for d in decks if title in d.sources]
        assert covering, f"no deck is written from {title}"
        assert max(len(d.questions) for d in covering) >= 8, title
    assert len(decks) >= 24


def test_size_and_headline_decks(decks: list[Deck]) -> None:
    """Enough to study: 600 questions, every deck 20 in at least 5 kinds, and the
    headline systems 35 each."""
    assert sum(len(d.questions) for d in decks) >= 600
    for deck in decks:
        assert len(deck.questions) >= 20, deck.id
        assert len(deck.counts_by_kind()) >= 5, deck.id
    by_id = {d.id: d for d in decks}
    for deck_id in HEADLINE:
        assert len(by_id[deck_id].questions) >= 35, deck_id


def test_every_question_names_its_source_and_explains(decks: list[Deck]) -> None:
    for deck in decks:
        for q in deck.questions:
            assert q.source in SOURCES, f"{deck.id}/{q.id}: source {q.source!r}"
            assert len(q.explanation.split()) >= 6, f"{deck.id}/{q.id}: explanation too thin"


def test_no_duplicate_prompts_across_decks(decks: list[Deck]) -> None:
    prompts = Counter(" ".join(q.prompt.split()).casefold() for d in decks for q in d.questions)
    assert [p for p, n in prompts.items() if n > 1] == []


def test_prompts_do_not_give_the_answer_away(decks: list[Deck]) -> None:
    for deck in decks:
        for q in deck.questions:
            if isinstance(q, Short) and len(q.answer) >= 4:
                word = re.escape(q.answer.casefold())
                assert not re.search(rf"(?<![\w-]){word}(?![\w-])", q.prompt.casefold()), q.id


def test_choices_have_plausible_distractors(decks: list[Deck]) -> None:
    for deck in decks:
        for q in deck.questions:
            if isinstance(q, Choice):
                assert len(q.options) >= 3 or q.multi, f"{deck.id}/{q.id}: too few options"
                assert len(q.correct) < len(q.options), f"{deck.id}/{q.id}: every option right"


def test_code_decks_anchor_their_code_questions(decks: list[Deck]) -> None:
    for deck in decks:
        if not any(k in deck.id for k in CODE_DECKS):
            continue
        for q in deck.questions:
            if q.code:
                assert q.anchor and q.anchor.path, f"{deck.id}/{q.id}: code without an anchor"
                assert q.anchor.version, f"{deck.id}/{q.id}: anchor without a version"
                assert q.lang, f"{deck.id}/{q.id}"


def test_the_package_ships_the_bundled_decks() -> None:
    """A wheel (`pip install .`, pipx) carries decks/ through the src/srcquiz/decks link."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).parent.parent.parent
    link = root / "src" / "srcquiz" / "decks"
    assert link.is_symlink() and link.resolve() == (root / "decks").resolve()
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert "decks/*.yaml" in data["tool"]["setuptools"]["package-data"]["srcquiz"]


def test_bundled_decks_pass_lint_strict(capsys: pytest.CaptureFixture[str]) -> None:
    """With every give-away rule on: no prompt, snippet or order gives an answer away."""
    assert main(["lint", "--strict", str(bundled_decks_dir())]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 error(s), 0 warning(s)" in err


# Issue 17's give-aways a rule can catch: (deck, question, fixture reproducing it).
ISSUE_17_GIVE_AWAYS = [
    ("netty-nioeventloopgroup", "default-thread-count-formula",
     "issue17_default_thread_count_formula"),
    ("netty-nioeventloopgroup", "newchild-return-type", "issue17_newchild_return_type"),
    ("stable-diffusion", "compvis-default-sampler", "issue17_compvis_default_sampler"),
    ("alexnet-pytorch", "alexnet-classifier-order", "issue17_alexnet_classifier_order"),
    ("nginx-process-model", "worker-loop-flags", "issue17_worker_loop_flags"),
    ("redis-event-loop", "before-sleep-hook", "issue17_before_sleep_hook"),
    ("sd-webui-call-path", "k-diffusion-origin", "issue17_k_diffusion_origin"),
    ("netty-nioeventloopgroup", "default-executor-class", "issue17_default_executor_class"),
    ("netty-nioeventloopgroup", "runnable-wrapper", "issue17_runnable_wrapper"),
    ("redis-replication", "replica-state-order", "issue17_replica_state_order"),
    ("resnet", "block-expansion", "issue17_block_expansion"),
]


@pytest.mark.parametrize(("deck_id", "qid", "fixture"), ISSUE_17_GIVE_AWAYS, ids=lambda x: x)
def test_issue_17_give_aways_stay_caught_and_fixed(deck_id: str, qid: str, fixture: str) -> None:
    """The rule fires on the give-away as it was, and the bundled question is clean."""
    path = LINT / f"{fixture}.yaml"
    expected = path.read_text(encoding="utf-8").splitlines()[0].split(" warning: ", 1)[1]
    _, diags = load_deck_file(path)
    assert [d for d in diags if expected in d.message], [str(d) for d in diags]
    deck, diags = load_deck_file(bundled_decks_dir() / f"{deck_id}.yaml")
    assert deck is not None and deck.question(qid) is not None, qid
    assert diags == []
