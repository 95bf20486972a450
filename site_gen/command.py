"""The ``site-gen`` command's entry point (and ``python -m site_gen``): site_gen.cli, in a process without OpenSSL.

Nothing a build does needs OpenSSL: its hashes are BLAKE2b, which Python has of its own, it makes no network
connection, and the cache's seal is XXH3 (site_gen.cache). Yet ``hashlib`` loads OpenSSL's libcrypto as it
is imported, to offer its other algorithms (site_gen imports hashlib, and so does Jinja's bytecode cache): ~3.5 MB
of every build's memory, a twentieth of what the building process holds when its page worker forks. So the
command's process tells Python, before anything imports hashlib, that the module binding OpenSSL is not there,
which is the case hashlib and hmac are written for: they fall back on Python's own implementations of every
algorithm, with the same results. This is done here, in the command's own process, never when site_gen is
imported as a library (the MkDocs plugin, a caller's program), whose process is not site_gen's to change.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if "_hashlib" not in sys.modules:  # already imported (a caller's program ran this main): left as it is
        sys.modules["_hashlib"] = None  # type: ignore[assignment]  # what Python documents: an import of it fails
    from .cli import main as run

    return run(argv)
