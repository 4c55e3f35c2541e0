"""Punctuation that Unicode normalisation (NFKC) leaves alone, mapped to ASCII.

Both grading paths read answers through it (text in `terms`, numbers in
`numbers`), so it sits below both.
"""

from __future__ import annotations

# Punctuation NFKC leaves alone: CJK full stops and brackets, typographic quotes.
PUNCT_MAP = str.maketrans(
    {
        "。": ".", "｡": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"',
        "【": "[", "】": "]", "〔": "(", "〕": ")", "《": "<", "》": ">", "〈": "<",
        "〉": ">", "‘": "'", "’": "'", "‛": "'", "‚": "'", "“": '"', "”": '"',
        "„": '"', "‟": '"', "«": '"', "»": '"', "‹": "'", "›": "'", "…": "...",
        "‐": "-", "‑": "-", "–": "-", "—": "-", "−": "-",
    }
)  # fmt: skip
