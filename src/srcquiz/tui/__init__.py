"""The full-screen Textual app: a thin layer of screens over the study engine.

Start-up imports only what the decks screen needs; the session, summary and
stats screens (and the engine behind them) are imported when first used.
"""
