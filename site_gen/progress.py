"""Progress bars on a terminal (tqdm's), and nothing at all elsewhere.

tqdm is imported only for a bar that is shown. Importing it imports importlib.metadata too (tqdm reads its own
version so), with the email and zipfile packages: 5.9 MB of private memory in a fresh process, shared with
every worker the building process forks. A build whose output is not a terminal (CI, a cron job, `-q`, the
benchmark) shows no bar, and so no longer pays for one: a cold 10,000-model build peaked at 96-98 MiB of PSS
against 98-99 (five alternating builds each). pydantic still imports importlib.metadata (its plugin loader).
"""

from __future__ import annotations

from typing import Any, Protocol


class Bar(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...


class _Hidden:
    """A bar that is not shown: what tqdm's ``disable=True`` does, without tqdm."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def bar(shown: bool, total: int, desc: str, unit: str) -> Bar:
    """A progress bar of ``total`` ``unit``s, labelled ``desc``, cleared from the terminal when closed; a
    hidden one (no tqdm) unless ``shown``."""
    if not shown:
        return _Hidden()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False)
