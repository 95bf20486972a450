"""Importers: bring models.dev, LiteLLM and genai-prices into content/.

Each ``site-gen import <source> PATH`` does two things:

1. *normalise*: read the upstream data, report every bad entry (file and
   key), and store what is good as a snapshot in ``content/_upstream/``;
2. *merge*: rebuild every imported content file from all snapshots present,
   keeping each file's prose body and ``overrides`` block, recording each
   value's source and every disagreement between sources.

Because the merge always starts from all snapshots, the order of the
commands does not matter, and importing unchanged input changes no file.
"""

from .run import SOURCES, run_import

__all__ = ["SOURCES", "run_import"]
