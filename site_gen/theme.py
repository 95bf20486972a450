"""Where the default theme lives (kept apart so light modules need not import Jinja)."""

from pathlib import Path

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "templates"
