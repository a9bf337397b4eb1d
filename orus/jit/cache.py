"""Where compiled artifacts live, and the fingerprint that keys them.

Numba's own cache notices only changes to the file of the cached function,
not to modules it imports (an opcode renumbered in orus/bytecode/opcodes.py would
otherwise run stale machine code).  So the njit cache lives in a folder named
by a fingerprint of every source the loop depends on, plus the versions of
Python, numba, llvmlite and numpy and the CPU.  This module must not import
numba: NUMBA_CACHE_DIR has to be set before numba is first imported.
"""

from __future__ import annotations

import os
import sys
from orus.bytecode.digest import sha256

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))     # orus/
REPO_DIR = os.path.dirname(PACKAGE_DIR)


def child_env() -> dict:
    """The environment of a child ``python -m orus...`` that must run this
    very orus (the VM build of warm.py, the tier-2 builds of autobuild.py,
    whose keys include the sources): this process's, with the folder
    holding the package first on PYTHONPATH unless it is a site folder (a
    checkout that a notebook or a test put on sys.path)."""
    env = dict(os.environ)
    try:
        import site
        sites = {os.path.realpath(p) for p in site.getsitepackages() + [site.getusersitepackages()]}
    except Exception:
        sites = set()
    if REPO_DIR not in sites:
        parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != REPO_DIR]
        env["PYTHONPATH"] = os.pathsep.join([REPO_DIR] + parts)
    return env

# What the compiled VM (njit cache and native artifact) depends on: every
# file of orus/jit/ and every orus module they import, transitively
# (``vm_sources``: found by reading the import statements with ``ast``,
# including imports inside functions).  Finding it parses ~20 files (~0.1 s),
# too slow for every run, so the list and a digest of the files' contents are
# kept in an index in the cache root, valid while every listed file keeps its
# size and mtime and orus/jit/ holds the same files (a few stat calls); a
# build (``warm-cache``) always computes it afresh.
PACKAGE = "orus"
INDEX_FORMAT = "orus-sources-index 2"

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
                    parts.append(sha256(line).hexdigest()[:12])
                if len(seen) >= 2 or line == b"\n":
                    break
    except OSError:
        pass
    return "-".join(parts)


# ---------------------------------------------------------------- the sources
def _jit_files(package_dir: str) -> list[str]:
    """The files of the jit package (relative to the package), sorted: its
    Python modules and the C source the native build links."""
    try:
        names = os.listdir(os.path.join(package_dir, "jit"))
    except OSError:
        return []
    return sorted("jit/" + n for n in names if n.endswith((".py", ".c", ".h")))


def _module_file(package_dir: str, module: str) -> str | None:
    """The file (relative to the package) of orus module `module`, or None."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    rel = "/".join(parts[1:])
    for cand in ((rel + ".py") if rel else None, (rel + "/__init__.py") if rel else "__init__.py"):
        if cand and os.path.isfile(os.path.join(package_dir, cand)):
            return cand
    return None


def _module_name(rel: str) -> tuple[str, bool]:
    """(dotted module name, is a package) of a package-relative .py path."""
    parts = [PACKAGE] + rel[:-3].split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported_files(package_dir: str, rel: str) -> set[str]:
    """The orus files that the import statements of `rel` name, wherever
    they stand (top level, functions, branches)."""
    import ast
    with open(os.path.join(package_dir, rel), "rb") as fh:
        tree = ast.parse(fh.read(), rel)
    name, is_pkg = _module_name(rel)
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    found = set()

    def add(module):
        f = _module_file(package_dir, module)
        if f is not None:
            found.add(f)
        return f

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                if node.level - 1 > len(here) - 1 or not base:
                    continue
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            base_file = _module_file(package_dir, base)
            for alias in node.names:
                # `from pkg import mod` imports the submodule; `from mod import
                # NAME` / `from pkg import NAME` reads the module or package
                if alias.name == "*" or add(base + "." + alias.name) is None:
                    if base_file is not None:
                        found.add(base_file)
            if base_file is not None and not base_file.endswith("__init__.py"):
                found.add(base_file)
    return found


def vm_sources(package_dir: str | None = None) -> list[str]:
    """Every file the compiled VM depends on, relative to the package, sorted:
    the files of orus/jit/ and the transitive closure of the orus modules
    their import statements name (read with ast, not imported)."""
    package_dir = PACKAGE_DIR if package_dir is None else os.fspath(package_dir)
    todo = _jit_files(package_dir)
    seen = set(todo)
    while todo:
        rel = todo.pop()
        if not rel.endswith(".py"):
            continue
        for dep in _imported_files(package_dir, rel):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return sorted(seen)


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return "%d:%d" % (st.st_size, st.st_mtime_ns)


def files_digest(package_dir: str, sources) -> str:
    """sha256 of the listed files' names and contents (a missing file counts
    too); also the saved-bytecode cache's compiler version (program_cache)."""
    h = sha256()
    for rel in sources:
        h.update(rel.encode() + b"\0")
        try:
            with open(os.path.join(package_dir, rel), "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"\0missing\0")
    return h.hexdigest()


def _index_name(tag: str, package_dir: str) -> str:
    return "%s-%s" % (tag, sha256(package_dir.encode()).hexdigest()[:12])


def _read_index(tag: str, package_dir: str, required) -> str | None:
    """The digest recorded by a valid `tag` index in some cache root, or
    None.  Valid: it lists every file of `required` and each listed file
    still has its recorded size and mtime."""
    name = _index_name(tag, package_dir)
    header = "%s %s" % (INDEX_FORMAT, tag)
    for root in candidate_roots():
        try:
            with open(os.path.join(root, name), encoding="utf-8") as fh:
                lines = fh.read().split("\n")
        except (OSError, UnicodeDecodeError):
            continue
        if len(lines) < 4 or lines[0] != header or lines[1] != package_dir:
            continue
        listed = {}
        for line in lines[3:]:
            if line:
                rel, _, stamp = line.rpartition(" ")
                listed[rel] = stamp
        if not set(required) <= listed.keys():
            continue                      # a file was added
        if all(_stat(os.path.join(package_dir, rel)) == stamp for rel, stamp in listed.items()):
            return lines[2]
    return None


def _write_index(tag: str, package_dir: str, sources, stamps, digest: str) -> None:
    root = cache_root()
    if root is None:
        return
    from orus.bytecode.atomicio import write_atomic
    text = "\n".join(["%s %s" % (INDEX_FORMAT, tag), package_dir, digest]
                     + ["%s %s" % (rel, stamp) for rel, stamp in zip(sources, stamps)]) + "\n"
    try:
        write_atomic(os.path.join(root, _index_name(tag, package_dir)), text.encode())
    except OSError:
        pass


def indexed_digest(tag: str, package_dir: str, list_sources, required=None,
                   fresh: bool = False) -> str:
    """files_digest of the files `list_sources()` names, through a `tag` index
    in the cache root (valid while the files keep their size and mtime and
    `required()` -- default: list_sources() itself -- names no new file), so
    that a run costs a few stat calls instead of reading and hashing them."""
    if not fresh:
        digest = _read_index(tag, package_dir, (required or list_sources)())
        if digest is not None:
            return digest
    sources = list_sources()
    stamps = [_stat(os.path.join(package_dir, rel)) for rel in sources]   # before reading
    digest = files_digest(package_dir, sources)
    _write_index(tag, package_dir, sources, stamps, digest)
    return digest


def sources_digest(package_dir: str | None = None, fresh: bool = False) -> str:
    """A digest of the content of every file in vm_sources().  For the
    installed package, from the index when it is valid (unless `fresh`);
    otherwise computed (ast) and, for the installed package, saved."""
    package_dir = PACKAGE_DIR if package_dir is None else os.fspath(package_dir)
    if package_dir != PACKAGE_DIR:
        return files_digest(package_dir, vm_sources(package_dir))
    return indexed_digest("vmsources", package_dir, lambda: vm_sources(package_dir),
                          lambda: _jit_files(package_dir), fresh)


_FINGERPRINT = {}


def fingerprint(package_dir: str | None = None, fresh: bool = False) -> str:
    """A short hash that changes whenever the compiled VM could differ
    (memoised per process for the installed package; `fresh`: recompute the
    sources' closure and digest, as a build does)."""
    package_dir = PACKAGE_DIR if package_dir is None else os.fspath(package_dir)
    cached = _FINGERPRINT.get(package_dir)
    if cached is not None and not fresh:
        return cached
    h = sha256()
    h.update(sources_digest(package_dir, fresh).encode())
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
