"""Where a program's native code lives, and loading it (run path: the tier-1
loader extension or ctypes, orus/jit/aot.py: open_library).

Key: sha256 of the tier-2 format, the VM fingerprint (tier 2 reproduces that
VM's semantics and shares its ABI), a digest of orus/tier2's sources (the
code generator) and the program's digest (``program_digest``: the arrays
the generated code folds in or relies on -- code, constants, function
table).  Files, in ``<cache root>/tier2/``:

    <key>.so        the shared library (written first, atomically)
    <key>.manifest  format, key, size and sha256 of the library, symbol,
                    ABI signature (written last, atomically: a library
                    without a manifest is never loaded)

Loading checks the manifest (format, key, ABI), the library's size and
sha256 *before* dlopen, and the identity string the library exports (its
key) after, as orus/jit/aot.py does for the tier-1 library.  Anything wrong
means "no tier 2" for this run (the caller falls back to tier 1; a build
replaces the files).
"""

from __future__ import annotations

import os
import time

from orus.bytecode.digest import blake2b, sha256
from orus.jit import abi, aot, cache
from orus.bytecode import protocol as P
from orus.tier2 import FALLBACK, FEW_FALLBACKS, FORMAT

ID_SYMBOL = "orus_t2_identity"
SUFFIX_LIB = ".so"
SUFFIX_MANIFEST = ".manifest"
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def program_digest(program) -> str:
    """A digest of what the native code of `program` is compiled from."""
    h = blake2b(digest_size=20)
    for name in ("code", "kint", "kflt", "funcs", "types"):
        arr = getattr(program, name)
        h.update(("%s:%s;" % (name, tuple(int(d) for d in arr.shape))).encode())
        try:
            h.update(arr)                # numpy array or orus.bytecode.buffers view
        except (BufferError, TypeError, ValueError):
            h.update(arr.tobytes())      # (not contiguous)
    return h.hexdigest()


def _sources() -> list[str]:
    return sorted(n for n in os.listdir(PACKAGE_DIR) if n.endswith(".py"))


_SOURCES_DIGEST = []


def sources_digest() -> str:
    """Digest of orus/tier2/*.py (through a stat-checked index, as the VM's),
    memoised per process as the VM's fingerprint is (the code generator this
    process would build with is the one it imported; a session or notebook
    kernel looks a library up once per input, a few stat calls saved each)."""
    if not _SOURCES_DIGEST:
        _SOURCES_DIGEST.append(cache.indexed_digest("t2sources", PACKAGE_DIR, _sources))
    return _SOURCES_DIGEST[0]


_PREFIX = []         # the key's hash of what is fixed for this process


def key(program) -> str:
    if not _PREFIX:
        h = sha256()
        for part in (FORMAT, cache.fingerprint(), sources_digest(), abi.signature()):
            h.update(part.encode() + b"\0")
        _PREFIX.append(h)
    h = _PREFIX[0].copy()
    h.update(program_digest(program).encode() + b"\0")
    return h.hexdigest()[:32]


def folder(root: str | None = None) -> str | None:
    """``<cache root>/tier2`` (ORUS_TIER2_DIR overrides it)."""
    if root is None and os.environ.get("ORUS_TIER2_DIR"):
        return os.environ["ORUS_TIER2_DIR"]
    root = cache.cache_root() if root is None else root
    return None if root is None else os.path.join(root, "tier2")


def paths(k: str, where: str) -> tuple[str, str]:
    return os.path.join(where, k + SUFFIX_LIB), os.path.join(where, k + SUFFIX_MANIFEST)


def identity(k: str) -> str:
    return "%s|%s" % (FORMAT, k)


class Tier2Error(Exception):
    """No usable native code for this program (missing, corrupt, foreign)."""


def read_manifest(path: str) -> dict:
    try:
        return aot.read_manifest(path, FORMAT)
    except aot.ArtifactError as exc:
        raise Tier2Error(str(exc)) from None


def validate(k: str, where: str) -> dict:
    """The manifest of a sound library for key `k`, or Tier2Error."""
    lib, man = paths(k, where)
    info = read_manifest(man)
    if info.get("key") != k or info.get("abi") != abi.signature():
        raise Tier2Error("built for another program or VM")
    try:
        with open(lib, "rb") as fh:
            data = fh.read()
    except OSError:
        raise Tier2Error("library missing") from None
    if str(len(data)) != info.get("size"):
        raise Tier2Error("library truncated or replaced")
    if sha256(data).hexdigest() != info.get("sha256"):
        raise Tier2Error("library corrupt (sha256 mismatch)")
    if data.find(identity(k).encode() + b"\0") < 0:
        raise Tier2Error("library is foreign")
    info["path"] = lib
    return info


_STATE = abi.NAMES.index("state")


class Tier2VM:
    """The VM callable of a run with native code: tier 2 first; when it
    answers FALLBACK, tier 1 (`tier1`, the usual VM) from the same state.
    Every call of the host tries tier 2 again (see orus/tier2/__init__.py)."""

    tier2 = True

    def __init__(self, native, tier1, path: str):
        self._t2 = native
        self._t1 = tier1
        self.native = getattr(tier1, "native", False)
        self.path = path
        self.fallbacks = 0          # times tier 1 took over (tests, reports)
        self._at = {}               # pc -> fallbacks there

    def __call__(self, *arrays) -> int:
        status = self._t2(*arrays)
        if status == FALLBACK:
            self.fallbacks += 1
            state = arrays[_STATE]
            pc = state[P.S_PC]
            seen = self._at.get(pc, 0) + 1
            self._at[pc] = seen
            if seen <= FEW_FALLBACKS:
                state[P.S_BUDGET] = 1     # back to tier 2 at the next loop head or call
            status = self._t1(*arrays)
        return status

    def __repr__(self):
        return "Tier2VM(%r)" % self.path


# ---------------------------------------------------------------- bounds
# The folder is bounded like the saved-bytecode folder (orus/program_cache.py):
# past MAX_LIBS libraries or MAX_BYTES bytes, a build deletes the least
# recently used (the library's mtime, which a load touches) down to TRIM_TO
# of both.  A library deleted while a process has it loaded stays mapped
# there (POSIX); the manifest is deleted before its library, and a reader
# that still finds one without the other fails validation (tier 1 runs).
MAX_LIBS = 500
MAX_BYTES = 200 << 20
TRIM_TO = 0.8
# A program saved for its background builder (orus/autobuild.py) is deleted
# by the builder; one older than STALE_SAVED seconds belongs to a killed
# build and goes at the next trim.
SUFFIX_SAVED = ".orusbc"
STALE_SAVED = 600


def _bound(name: str, default: int) -> int:
    try:
        return max(0, int(os.environ[name]))
    except (KeyError, ValueError):
        return default


def trim(where: str, max_libs: int | None = None, max_bytes: int | None = None) -> int:
    """Keep the tier-2 folder within its bounds; returns libraries deleted."""
    max_libs = _bound("ORUS_TIER2_CACHE_FILES", MAX_LIBS) if max_libs is None else max_libs
    max_bytes = _bound("ORUS_TIER2_CACHE_BYTES", MAX_BYTES) if max_bytes is None else max_bytes
    libs, total = [], 0
    stale = time.time() - STALE_SAVED
    try:
        with os.scandir(where) as it:
            for entry in it:
                if entry.name.endswith(SUFFIX_SAVED):
                    # a program saved for a background build that was killed
                    try:
                        if entry.stat(follow_symlinks=False).st_mtime < stale:
                            os.unlink(entry.path)
                    except OSError:
                        pass
                elif entry.name.endswith(SUFFIX_LIB) and not entry.name.startswith("."):
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    libs.append((st.st_mtime, entry.name[:-len(SUFFIX_LIB)], st.st_size))
                    total += st.st_size
    except OSError:
        return 0
    if len(libs) <= max_libs and total <= max_bytes:
        return 0
    libs.sort()
    count, removed = len(libs), 0
    for _, k, size in libs:
        if count <= int(max_libs * TRIM_TO) and total <= int(max_bytes * TRIM_TO):
            break
        lib, man = paths(k, where)
        for path in (man, lib):
            try:
                os.unlink(path)
            except OSError:
                pass
        count -= 1
        total -= size
        removed += 1
    return removed


# Libraries this process has validated and opened: key -> (files' identity,
# native callable, path).  A session or notebook kernel runs the same
# program again and again; validating means reading and hashing the whole
# library (~0.5 ms).  The identity is (inode, size) of the library and
# (inode, size, mtime) of the manifest: a rebuild or a replaced file (always
# a new inode: files are written to a temporary name and renamed) is
# validated again; a deleted one (the trim) is no longer used.
_OPENED = {}


def _identity_of(lib: str, man: str):
    a, b = os.stat(lib), os.stat(man)
    return (a.st_ino, a.st_size, b.st_ino, b.st_size, b.st_mtime_ns)


def load(program, tier1, where: str | None = None, k: str | None = None):
    """Tier2VM over `tier1` for `program` if its native code is built and
    sound, else None (never builds, never imports numba or llvmlite).
    `k`: the program's key when the caller has it."""
    where = folder() if where is None else where
    if where is None:
        return None
    try:
        k = key(program) if k is None else k
        lib, man = paths(k, where)
        seen = _OPENED.get(k)
        files = _identity_of(lib, man)          # before validating: a file replaced
        if seen is not None and seen[2] == lib and seen[0] == files:   # meanwhile is
            native, path = seen[1], lib                                # validated next time
        else:
            info = validate(k, where)
            native = aot.open_library(info["path"], info["symbol"], ID_SYMBOL, identity(k))
            path = info["path"]
            _OPENED[k] = (files, native, path)
    except (Tier2Error, aot.ArtifactError, OSError):
        return None
    try:
        os.utime(path)                  # recently used (the trim's order)
    except OSError:
        pass
    return Tier2VM(native, tier1, path)
