"""Pickled data a build reads back only when it needs it, kept in a file with no name instead of in the heap.

After the content loads, each model's validated data waits, pickled, for the page that shows it (site_gen.content
.Entry). Held in the heap, those blobs were 18 MB at 10,000 models of the benchmark's corpus (1.8 KB a model),
and counted nearly twice: a page worker forked from the building process copies every memory page of its heap
that either process touches (reference counts). Spilled, a cold build's peak PSS fell from 208 to 185 MB. In a
file they cost the build no memory of its own: the system's page cache holds what was read lately, and gives it
up when memory is short, as it does the pages written.

The file is made in the build cache's folder, so on the project's file system, and unlinked at once (Linux makes
it without a name at all): a build that is killed leaves nothing behind, and no other process can open it by
name. A page worker forked from the building process reads it through the descriptor it inherits; ``os.pread``
reads at an offset without moving a shared position, so processes and threads read it at once. Where the system
has no ``pread`` (Windows), nothing is spilled and the blobs stay in the heap.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import weakref
from pathlib import Path
from typing import IO


class SpillFile:
    """An unnamed file of blobs, appended to and read at offsets; closed when no ``Spilled`` refers to it."""

    def __init__(self, handle: IO[bytes]):
        self.fileno = handle.fileno()
        self.size = 0
        self._close = weakref.finalize(self, handle.close)  # closed, not left to the handle's collection

    @staticmethod
    def make(folder: Path) -> SpillFile | None:
        """A new spill file in ``folder``; None where it cannot be made (no ``pread`` here, a read-only folder)."""
        if not hasattr(os, "pread"):
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = tempfile.TemporaryFile(dir=folder, prefix=".spill-", buffering=0)  # noqa: SIM115 (owned here)
        except OSError:
            return None
        return SpillFile(handle)

    def append(self, blobs: list[bytes], parts: int = 1) -> list[Spilled]:
        """Write ``blobs`` after the last ones, and return where each sits; with ``parts``, where each run of that
        many blobs sits, as one. The blobs go to the file as they are, a thousand to a system call (writev), not
        copied into one buffer first: 18 MB took 8 ms to write on a RAM disk, and joining them 14 ms more.
        Raises OSError (a full disk); what was appended before still reads."""
        os.lseek(self.fileno, self.size, os.SEEK_SET)  # after a failed append, over what it left
        for start in range(0, len(blobs), IOV_MAX):
            _write_all(self.fileno, blobs[start:start + IOV_MAX])
        lengths = list(map(len, blobs))
        if parts > 1:
            lengths = list(map(sum, zip(*[iter(lengths)] * parts, strict=True)))
        places = list(map(Spilled, zip(itertools.repeat(self), itertools.accumulate(lengths, initial=self.size),
                                       lengths)))
        self.size += sum(lengths)
        return places

    def close(self) -> None:
        self._close()

    def read(self, offset: int, length: int) -> bytes:
        blob = os.pread(self.fileno, length, offset)
        if len(blob) != length:  # only if the file was cut short behind the build's back (through /proc)
            raise OSError(f"the build's spill file ended at byte {offset + len(blob)}, "
                          f"where a blob of {length} bytes starts at {offset}")
        return blob


class Spilled(tuple[SpillFile, int, int]):
    """Where one blob sits in a spill file: (file, offset, length), about 120 bytes in the heap whatever the size
    of the blob. A tuple, so that ten thousand of them are made in C (``SpillFile.append``)."""

    __slots__ = ()

    def read(self) -> bytes:
        file, offset, length = self
        return file.read(offset, length)

    def head(self, tail: int) -> bytes:
        """The blob without its last ``tail`` bytes."""
        file, offset, length = self
        return file.read(offset, length - tail)

    def tail(self, tail: int) -> bytes:
        """The last ``tail`` bytes of the blob."""
        file, offset, length = self
        return file.read(offset + length - tail, tail)

    def __reduce__(self) -> object:  # its file is this process's: the bytes travel, never a reference to them
        return bytes, (self.read(),)


def _iov_max() -> int:
    try:
        return max(16, os.sysconf("SC_IOV_MAX"))  # 1,024 on Linux
    except (AttributeError, ValueError, OSError):
        return 16  # the least POSIX allows


IOV_MAX = _iov_max()
"""Buffers a call of writev takes at most."""


def _write_all(fd: int, blobs: list[bytes]) -> None:
    """Write every byte of ``blobs``: writev may stop short (a signal, a full disk), and the rest follows."""
    left = sum(map(len, blobs))
    written = os.writev(fd, blobs) if blobs else 0
    if written < left:
        rest = memoryview(b"".join(blobs))[written:]
        while rest:
            rest = rest[os.write(fd, rest):]
