"""Worker processes that die with their parent.

A build killed with SIGKILL must not leave workers behind that keep writing
into a staging folder the next build has already cleaned up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import queue
import signal
import traceback
from collections.abc import Callable, Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers still end when their queue closes
        pass


def share(work: Callable[[Any], Any], items: Sequence[Any], workers: int,
          on_done: Callable[[int, Any], None], first: Callable[[], None] | None = None) -> None:
    """Run ``work(item)`` for every item on ``workers`` processes, this one among them.

    ``workers - 1`` forked children and the caller each take the next item from a shared counter until none
    is left, so the work balances itself whatever each item costs. ``on_done(index, result)`` runs here, for
    every item. The caller renders instead of waiting on a pool: on 2 cores that is one process fewer holding
    the catalogue. A child's exception is raised here; a child that dies without its results is an error,
    not a hang; on any error the children are stopped. ``first``, if given, runs here once the children
    have started, before this process takes items: work of its own that overlaps theirs.
    """
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    results: Any = context.Queue()

    def take() -> int:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        return index

    def child() -> None:
        die_with_parent()
        while (index := take()) < len(items):
            try:
                results.put((index, True, work(items[index])))
            except BaseException as exc:  # sent whole when it pickles (site_gen's errors do), else as text
                try:
                    pickle.dumps(exc)
                except Exception:
                    exc = RuntimeError("".join(traceback.format_exception(exc)))
                results.put((index, False, exc))
                break
        results.close()
        results.join_thread()

    children = [context.Process(target=child, daemon=True, name=f"site-gen-worker-{k}") for k in range(workers - 1)]
    for process in children:
        process.start()
    pending = len(items)

    def receive(message: tuple[int, bool, Any]) -> None:
        nonlocal pending
        index, ok, payload = message
        if not ok:
            raise payload
        on_done(index, payload)
        pending -= 1

    try:
        if first is not None:
            first()
        while (index := take()) < len(items):
            on_done(index, work(items[index]))
            pending -= 1
            while True:  # what the children finished meanwhile (the progress bar moves with them)
                try:
                    receive(results.get_nowait())
                except queue.Empty:
                    break
        while pending:
            try:
                receive(results.get(timeout=0.2))
            except queue.Empty:
                if not any(process.is_alive() for process in children):
                    try:  # all gone: what they sent is in the pipe by now
                        receive(results.get(timeout=1.0))
                    except queue.Empty:
                        raise RuntimeError(f"a worker process ended without its results "
                                           f"(exit codes {[p.exitcode for p in children]})") from None
    finally:
        for process in children:
            if process.is_alive():
                process.terminate()
            process.join()
        results.close()
        results.cancel_join_thread()


class Background:
    """``work(item)`` for each item, in one forked child, while this process goes on; ``result()`` waits for it.

    For work this process knows early and would otherwise do later, with a core idle meanwhile (site_gen.pages
    renders the listing pages of an edit build this way while the catalogue's other checks and keys are made).
    The results come back pickled through a pipe; the child's exception is raised by ``result()``, as ``share``
    raises a worker's. A child that dies without its results is an error, not a hang."""

    def __init__(self, work: Callable[[Any], Any], items: Sequence[Any]):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read)
                die_with_parent()
                try:
                    message: tuple[bool, Any] = (True, [work(item) for item in items])
                    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as exc:  # sent whole when it pickles (site_gen's errors do), else as text
                    try:
                        payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
                    except Exception:
                        text = "".join(traceback.format_exception(exc))
                        payload = pickle.dumps((False, RuntimeError(text)), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(payload)
                while view:
                    view = view[os.write(write, view):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self._read = pid, read

    def result(self) -> list[Any]:
        data = bytearray()
        while chunk := os.read(self._read, 1 << 16):
            data += chunk
        status = self._end(kill=False)
        try:
            ok, payload = pickle.loads(data)
        except Exception:
            raise RuntimeError(f"a worker process ended without its results (wait status {status})") from None
        if not ok:
            raise payload
        return payload

    def _end(self, kill: bool) -> int:
        status = -1
        if self.pid:
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                status = os.waitpid(self.pid, 0)[1]
            self.pid = 0
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        return status

    def close(self) -> None:
        """Stop the child if it still runs (the build failed before it needed the results)."""
        self._end(kill=True)
