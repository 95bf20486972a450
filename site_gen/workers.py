"""Worker processes, forked before a build holds any content, that die with their parent.

A build killed with SIGKILL must not leave workers behind that keep writing
into a staging folder the next build has already cleaned up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import wait
from typing import Any

_PR_SET_PDEATHSIG = 1


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not Linux: a helper still ends when its connection closes
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def release_memory() -> None:
    """Hand freed memory back to the system (glibc keeps it for the process otherwise); a no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)


def _travelling(exc: BaseException) -> BaseException:
    """An exception to send to the building process: whole when it pickles (site_gen's errors do), else its
    traceback as text."""
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc


class Helpers:
    """Worker processes forked at the start of a build, before it holds any content, that run tasks sent to them.

    A worker forked after the catalogue is loaded maps every page of it: the benchmark's RSS, summed over the
    process tree, counts them twice, and a page the worker touches is copied. These workers hold the imports
    alone. They cannot read the build's data, so each task carries what it needs: the content files to parse,
    or a page's prepared context (site_gen.pages). ``share`` gives them work, with the building process working
    beside them.
    """

    def __init__(self, count: int, in_flight: int = 3):
        context = multiprocessing.get_context("fork")
        self.in_flight = in_flight
        self.connections: list[Any] = []
        self.processes: list[Any] = []
        for k in range(count):
            here, there = context.Pipe(duplex=True)
            process = context.Process(target=_helper_main, args=(there, here), daemon=True,
                                      name=f"site-gen-helper-{k}")
            process.start()
            there.close()
            self.connections.append(here)
            self.processes.append(process)

    def close(self) -> None:
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.send(None)
        for process in self.processes:
            process.join(timeout=1.0)
            if process.is_alive():
                process.terminate()
                process.join()
        for connection in self.connections:
            connection.close()
        self.connections, self.processes = [], []

    def kill(self) -> None:
        """Stop at once (after an error: a helper may still be busy with a task nobody will read)."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        self.close()

    def share(self, local: Callable[[Any], Any], remote: Callable[[Any], Any], prepare: Callable[[Any], Any],
              items: Sequence[Any], on_done: Callable[[int, Any], None],
              first: Callable[[], None] | None = None) -> None:
        """``local(item)`` here, or ``remote(prepare(item))`` on a helper, for every item; ``on_done(index,
        result)`` here for each.

        Items are taken in order from one counter by this process and by a thread that keeps each helper
        ``in_flight`` tasks ahead (it prepares them while this process works, ``first`` included, so the helpers
        never wait for it); another thread receives their results. A helper's exception is raised here; a
        helper that dies is an error, not a hang; after any error the helpers are killed.
        """
        if not self.connections:  # killed after an error: nothing can be sent
            for index, item in enumerate(items):
                on_done(index, local(item))
            return
        connections, processes = list(self.connections), list(self.processes)  # kill() empties the lists
        lock = threading.Lock()
        cursor = [0]
        slots = threading.Semaphore(self.in_flight * len(connections))
        arrived: queue.SimpleQueue[tuple[int, bool, Any]] = queue.SimpleQueue()
        sent = [0] * len(connections)
        answered = [0] * len(connections)
        stop = threading.Event()
        feeding_done = threading.Event()

        def claim() -> int:
            with lock:
                index = cursor[0]
                cursor[0] = index + 1
            return index

        def feed() -> None:
            try:
                while not stop.is_set():
                    slots.acquire()
                    if stop.is_set() or (index := claim()) >= len(items):
                        break
                    k = min(range(len(sent)), key=lambda h: sent[h] - answered[h])
                    task = (index, remote, prepare(items[index]))
                    sent[k] += 1
                    connections[k].send(task)
            except BaseException as exc:  # reported by the main thread
                arrived.put((-1, False, exc))
            finally:
                feeding_done.set()

        def collect() -> None:
            live = list(connections)
            try:
                while live and not stop.is_set():
                    if feeding_done.is_set() and all(sent[k] == answered[k] for k in range(len(sent))):
                        return
                    for connection in wait(live, timeout=0.1):
                        k = connections.index(connection)
                        try:
                            message = connection.recv()  # type: ignore[union-attr]
                        except (EOFError, OSError):
                            live.remove(connection)
                            processes[k].join(timeout=1.0)  # its exit code, once it is reaped
                            arrived.put((-1, False, RuntimeError(f"a worker process ended without its results "
                                                                 f"(exit code {processes[k].exitcode})")))
                            return
                        answered[k] += 1
                        slots.release()
                        arrived.put(message)
            except BaseException as exc:  # the helpers were stopped under it, after an error: nothing to say
                if not stop.is_set():
                    arrived.put((-1, False, exc))

        feeder = threading.Thread(target=feed, name="site-gen-feeder", daemon=True)
        collector = threading.Thread(target=collect, name="site-gen-collector", daemon=True)
        pending = len(items)

        def receive(message: tuple[int, bool, Any]) -> None:
            nonlocal pending
            index, ok, payload = message
            if not ok:
                raise payload
            on_done(index, payload)
            pending -= 1

        feeder.start()
        collector.start()
        try:
            if first is not None:
                first()
            while (index := claim()) < len(items):
                on_done(index, local(items[index]))
                pending -= 1
                while True:  # what the helpers finished meanwhile (the progress bar moves with them)
                    try:
                        receive(arrived.get_nowait())
                    except queue.Empty:
                        break
            while pending:
                try:
                    receive(arrived.get(timeout=0.2))
                except queue.Empty:
                    if not collector.is_alive():
                        raise RuntimeError("a worker process ended without its results") from None
        except BaseException:
            stop.set()
            self.kill()
            raise
        finally:
            stop.set()
            slots.release(len(connections) + 1)  # a feeder waiting for a slot sees the stop
            feeder.join()
            collector.join()


def _helper_main(connection: Any, parent_end: Any) -> None:
    parent_end.close()
    _die_with_parent()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, work, argument = task
        try:
            message: tuple[int, bool, Any] = (index, True, work(argument))
        except BaseException as exc:
            message = (index, False, _travelling(exc))
        try:
            connection.send(message)
        except (OSError, pickle.PicklingError) as exc:
            connection.send((index, False, RuntimeError(f"cannot send a result: {exc}")))


_CURRENT: dict[str, Helpers | None] = {"helpers": None}


def current() -> Helpers | None:
    """The helpers of the build in progress, if it started any."""
    return _CURRENT["helpers"]


@contextlib.contextmanager
def helpers(count: int) -> Iterator[Helpers | None]:
    """Start ``count`` helpers for the build in this block (none when ``count`` < 1 or fork is missing)."""
    if count < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    started = Helpers(count)
    _CURRENT["helpers"] = started
    try:
        yield started
    finally:
        _CURRENT["helpers"] = None
        started.close()
