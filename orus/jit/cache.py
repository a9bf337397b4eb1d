"""Where compiled artifacts live, and the fingerprint that keys them.

Numba's own cache notices only changes to the file of the cached function,
not to modules it imports (an opcode renumbered in orus/opcodes.py would
otherwise run stale machine code).  So the njit cache lives in a folder named
by a fingerprint of every source the loop depends on, plus the versions of
Python, numba, llvmlite and numpy and the CPU.  This module must not import
numba: NUMBA_CACHE_DIR has to be set before numba is first imported.
"""

from __future__ import annotations

import hashlib
import os
import sys

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))     # orus/
REPO_DIR = os.path.dirname(PACKAGE_DIR)

# Every file whose content the compiled VM (njit cache and native artifact)
# depends on: all of orus/jit/ (a test checks none is missing) and what the
# loop imports.
VM_SOURCES = (
    "jit/__init__.py",
    "jit/abi.py",
    "jit/aot.py",
    "jit/cache.py",
    "jit/collector.py",
    "jit/native_stubs.c",
    "jit/verifier.py",
    "jit/vm.py",
    "jit/warm.py",
    "hostcall_table.py",
    "opcodes.py",
    "protocol.py",
    "runtime_errors.py",
    "verify.py",
)

NJIT_MARKER = "warm.ok"        # in the VM folder: the njit cache is complete

# This module runs on every `orus run`, so it avoids slow imports
# (importlib.metadata costs ~30 ms, platform ~9 ms, pathlib and importlib.util
# several ms each).


def _version(dist: str) -> str:
    """The installed version of `dist`, read from the name of its .dist-info
    folder in the first sys.path entry that holds the package (no import of
    the package, no importlib)."""
    prefix = dist.lower() + "-"
    for entry in sys.path:
        if not os.path.isdir(os.path.join(entry or ".", dist)):
            continue
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            low = name.lower()
            if low.startswith(prefix) and low.endswith(".dist-info"):
                return name[len(prefix):-len(".dist-info")]
        try:                              # unusual layout (egg, editable): the slow way
            from importlib import metadata
            return metadata.version(dist)
        except Exception:
            return "unknown"
    return "missing"


def _cpu() -> str:
    """The CPU as the compiled code sees it: architecture, model and feature
    flags (the native code is built for the host's features).  Deliberately
    independent of whether llvmlite is imported, so every process agrees."""
    parts = [os.uname().machine, sys.platform]
    try:
        with open("/proc/cpuinfo", "rb") as fh:
            seen = set()
            for line in fh:
                key = line.split(b":", 1)[0].strip()
                if key in (b"model name", b"flags", b"Features", b"CPU part") and key not in seen:
                    seen.add(key)
                    parts.append(hashlib.sha256(line).hexdigest()[:12])
                if len(seen) >= 2 or line == b"\n":
                    break
    except OSError:
        pass
    return "-".join(parts)


_FINGERPRINT = {}


def fingerprint(package_dir: str | None = None) -> str:
    """A short hash that changes whenever the compiled VM could differ
    (memoised per process for the installed package)."""
    package_dir = PACKAGE_DIR if package_dir is None else os.fspath(package_dir)
    cached = _FINGERPRINT.get(package_dir)
    if cached is not None:
        return cached
    h = hashlib.sha256()
    for rel in VM_SOURCES:
        h.update(rel.encode() + b"\0")
        try:
            with open(os.path.join(package_dir, rel), "rb") as fh:
                h.update(fh.read())
        except OSError:                   # e.g. an install without the C stub file
            h.update(b"\0missing\0")
    for dist in ("numba", "llvmlite", "numpy"):
        h.update(("%s=%s\n" % (dist, _version(dist))).encode())
    h.update(sys.version.encode())
    h.update(_cpu().encode())
    result = _FINGERPRINT[package_dir] = h.hexdigest()[:16]
    return result


_WRITABLE: dict[str, bool] = {}


def _writable(path: str) -> bool:
    """Can we create files in `path` (made if missing)?  Remembered per process
    once true, so a run does not probe the file system again and again."""
    key = str(path)
    if _WRITABLE.get(key):
        return True
    _WRITABLE[key] = ok = _probe_writable(path)
    return ok


def _probe_writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".probe-%d" % os.getpid())
        with open(probe, "wb"):
            pass
        os.unlink(probe)
        return True
    except OSError:
        return False


def candidate_roots() -> list[str]:
    """Where the cache may live, in order of preference: $ORUS_CACHE_DIR alone
    if set; else cache/ of a source checkout, then the user cache dir."""
    override = os.environ.get("ORUS_CACHE_DIR")
    if override:
        return [override]
    candidates = []
    if os.path.exists(os.path.join(REPO_DIR, "cache", "README.md")):
        candidates.append(os.path.join(REPO_DIR, "cache"))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(os.path.join(xdg, "orus"))
    return candidates


def cache_root() -> str | None:
    """The cache folder to write to: the first writable candidate_roots()
    entry (created if missing).  None when nothing is writable."""
    for path in candidate_roots():
        if _writable(path):
            return path
    return None


def vm_cache_dir(root: str | None = None) -> str | None:
    """The fingerprinted folder of the compiled VM in the writable cache root."""
    root = cache_root() if root is None else root
    return None if root is None else os.path.join(root, "vm-" + fingerprint())


def find_vm_dir() -> tuple[str | None, bool]:
    """(folder, writable) for a run: a candidate's fingerprinted folder that
    already holds a build (even a read-only one), else the writable one."""
    name = "vm-" + fingerprint()
    for root in candidate_roots():
        folder = os.path.join(root, name)
        if os.path.isdir(folder) and os.listdir(folder):
            return folder, os.access(folder, os.W_OK | os.X_OK)
    folder = vm_cache_dir()
    return folder, folder is not None


def bytecode_dir(root: str | None = None) -> str | None:
    root = cache_root() if root is None else root
    if root is None:
        return None
    path = os.path.join(root, "bytecode")
    return path if _writable(path) else None
