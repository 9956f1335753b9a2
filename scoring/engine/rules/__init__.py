"""The rule language: tokenizer, parser, type checker and compiler.

Hand-written on purpose: expressions come from files, so they are never
handed to Python's ``eval``/``compile``; every error has a position.
"""
