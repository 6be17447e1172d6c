"""Write a file so that readers see the old content or the new, never half of either.

The content goes to a temporary file in the target's directory (same file
system, so the final rename is atomic), is flushed to disk, and only then
takes the target's name. Whatever goes wrong before that point (an exception
in the writer, a full disk, Ctrl-C), the temporary file is removed and the
target is untouched.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["atomic_write"]


def _fsync_directory(directory: pathlib.Path) -> None:
    # The rename itself lives in the directory entry; without this a power cut
    # right after os.replace could bring back the old name. Not possible on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], None],
    *,
    overwrite: bool = False,
) -> pathlib.Path:
    """Call ``write(file)`` on a temporary file, then move it to ``path``; return the absolute path.

    ``overwrite=False`` refuses an existing ``path`` (FileExistsError naming
    it), checked before writing and again, race-free, when the file takes its
    name (a hard link that fails if the name exists). The new file gets the
    usual permissions (0666 minus the umask), not a temporary file's 0600.

    >>> atomic_write("out.txt", lambda f: f.write(b"hello"))  # doctest: +SKIP
    PosixPath('/home/me/out.txt')
    """
    target = pathlib.Path(path).expanduser().absolute()
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a directory; give a file name")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {target}: directory {target.parent} does not exist")
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")
    temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    # O_EXCL: never reuse a file someone else made; mode 0o666 lets the umask decide.
    fd = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            _link_without_clobbering(temporary, target)
        _fsync_directory(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return target


def _link_without_clobbering(temporary: pathlib.Path, target: pathlib.Path) -> None:
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise FileExistsError(
            f"{target} already exists; pass overwrite=True to replace it"
        ) from None
    except OSError:
        # File systems without hard links (some network and FUSE mounts): the
        # exists() check above is then the only guard.
        if target.exists():
            raise FileExistsError(
                f"{target} already exists; pass overwrite=True to replace it"
            ) from None
        os.replace(temporary, target)
        return
    temporary.unlink()
