"""Atomic file writes: every file srgan_cpp writes goes through here."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import BinaryIO, Iterator, Union

PathLike = Union[str, "os.PathLike[str]"]


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere the umask can only be read by setting it
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: PathLike, suffix: str = "") -> Iterator[BinaryIO]:
    """Yields a binary file to write ``path``'s new content into.

    The content goes to a temporary file in the same folder, which on success is flushed to
    disk, given the usual permissions (0666 less the umask; mkstemp makes 0600) and renamed
    over ``path`` (``os.replace``): readers see either the old file or the complete new one.
    On any error the temporary file is removed and ``path`` is left as it was.
    ``suffix`` keeps the extension for writers that look at the temporary file's name.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
