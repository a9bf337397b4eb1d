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
import platform
import sys
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent          # orus/
REPO_DIR = PACKAGE_DIR.parent

# Every file whose content the compiled VM depends on.
VM_SOURCES = (
    "jit/vm.py",
    "jit/cache.py",
    "opcodes.py",
    "protocol.py",
    "runtime_errors.py",
)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def _cpu() -> str:
    # The host CPU name is what numba targets by default; use llvmlite's view of
    # it only if llvmlite is already imported (it is slow to import).
    llvm = sys.modules.get("llvmlite.binding")
    name = llvm.get_host_cpu_name() if llvm is not None else ""
    return "%s-%s-%s" % (platform.machine(), platform.system(), name or _cpuinfo_model())


def _cpuinfo_model() -> str:
    try:
        with open("/proc/cpuinfo", "rb") as fh:
            for line in fh:
                if line.startswith((b"model name", b"flags")):
                    return hashlib.sha256(line).hexdigest()[:12]
    except OSError:
        pass
    return platform.processor() or "unknown-cpu"


def fingerprint() -> str:
    """A short hash that changes whenever the compiled VM could differ."""
    h = hashlib.sha256()
    for rel in VM_SOURCES:
        h.update(rel.encode() + b"\0")
        h.update((PACKAGE_DIR / rel).read_bytes())
    for dist in ("numba", "llvmlite", "numpy"):
        h.update(("%s=%s\n" % (dist, _version(dist))).encode())
    h.update(sys.version.encode())
    h.update(_cpu().encode())
    return h.hexdigest()[:16]


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / (".probe-%d" % os.getpid())
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def cache_root() -> Path | None:
    """The cache folder: $ORUS_CACHE_DIR, else cache/ of a source checkout,
    else the user cache dir.  None when nothing is writable."""
    override = os.environ.get("ORUS_CACHE_DIR")
    candidates = []
    if override:
        candidates.append(Path(override))
    else:
        if (REPO_DIR / "cache" / "README.md").exists():
            candidates.append(REPO_DIR / "cache")
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        candidates.append(Path(xdg) / "orus")
    for path in candidates:
        if _writable(path):
            return path
    return None


def vm_cache_dir(root: Path | None = None) -> Path | None:
    root = cache_root() if root is None else root
    return None if root is None else root / ("vm-" + fingerprint())


def bytecode_dir(root: Path | None = None) -> Path | None:
    root = cache_root() if root is None else root
    if root is None:
        return None
    path = root / "bytecode"
    return path if _writable(path) else None
