"""Write a file so that readers see the old content or the new, never half of either.

The content goes to a temporary file in the target's directory (same file
system, so the final rename is atomic), is flushed to disk, and only then
takes the target's name. Whatever goes wrong before that point (an exception
in the writer, a full disk, Ctrl-C), the temporary file is removed and the
target is untouched.

A process killed mid-write (SIGKILL, a power cut) cannot remove its
temporary file, so the name carries the writer's PID
(``.<name>.<pid>-<random>.tmp``) and the next write of the same target
removes the stale ones: those whose writer is gone, and any older than
:data:`STALE_SECONDS` (the PID test is POSIX only; on Windows only age counts).

:func:`file_lock` is the lock a read-check-write of one file takes (a
sidecar ``<name>.lock`` file, ``fcntl.flock`` on POSIX, ``msvcrt.locking``
on Windows), so writers in several processes take turns.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["atomic_write", "file_lock"]

#: A temporary file this old is stale whoever wrote it (no write takes a minute).
STALE_SECONDS = 60.0
#: How long :func:`file_lock` waits for another process before giving up.
LOCK_TIMEOUT = 30.0


def _temporary_name(target: pathlib.Path) -> pathlib.Path:
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _writer_gone(pid: int) -> bool:
    if os.name != "posix" or pid == os.getpid():
        return False  # Windows' os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but not ours to signal
        return False
    return False


def remove_stale_temporaries(target: pathlib.Path) -> list[pathlib.Path]:
    """Remove the temporary files (and staged folders) interrupted writes of ``target`` left;
    return them."""
    # Ours: ".<name>.<pid>-<8 hex>.tmp"; before the PID was kept: ".<name>.<8 hex>.tmp".
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:(\d+)-)?[0-9a-f]{{8}}\.tmp")
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            pid = match.group(1)
            if age > STALE_SECONDS or (pid is not None and _writer_gone(int(pid))):
                if entry.is_dir(follow_symlinks=False):  # a staged folder (export_audio)
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(pathlib.Path(entry.path))
        except OSError:  # gone already, or not ours to remove
            continue
    return removed


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed, never removed: removing a
    lock file others wait on would let two writers in). TimeoutError after ``timeout``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{path} has been locked by another process for {timeout:g} s; "
                    "is another kernel stuck writing the same file?"
                )
            time.sleep(0.005)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)  # the lock covers the byte at the file position
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


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
    remove_stale_temporaries(target)
    temporary = _temporary_name(target)
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
