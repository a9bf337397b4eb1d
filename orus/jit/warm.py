"""`orus warm-cache`: build everything a run needs, ahead of time.

Into the fingerprinted cache folder (orus/jit/cache.py), under a file lock so
that concurrent builders wait for one another (Numba's cache is not safe for
concurrent writers) and every one of them succeeds:

  1. the njit cache of the VM loop (``run`` compiled for the ABI's argument
     types, then a one-instruction program run through a real Machine); a
     marker file records the finished build;
  2. the native artifact (orus/jit/aot.py): the same loop as a shared library
     that `orus run` loads through ctypes without importing numba;
  3. (best effort) the bytecode of orus' Python sources, so that no run
     compiles them.

Idempotent: what is valid is kept (``status`` checks without building).
"""

from __future__ import annotations

import os
import sys
import threading
import time

from orus.jit import cache

MARKER = cache.NJIT_MARKER
PROFILE_MARKER = "profile.ok"   # in the VM folder: the counting loop is in the njit cache


# ====================================================================== status
class Status:
    """What the cache holds for this installation (nothing is built)."""

    def __init__(self):
        self.fingerprint = cache.fingerprint(fresh=True)
        self.folder, self.writable = cache.find_vm_dir()
        self.njit = self.folder is not None and os.path.exists(os.path.join(self.folder, MARKER))
        self.native = False
        self.native_unavailable = None     # why warm-cache could not build it
        self.native_problem = "no cache folder"
        if self.folder is not None:
            self.native_problem, self.native_unavailable = native_problem(str(self.folder),
                                                                          self.fingerprint)
            self.native = self.native_problem is None and self.native_unavailable is None

    @property
    def valid(self) -> bool:
        """Everything that can be built here is built and intact."""
        return self.njit and (self.native or self.native_unavailable is not None)

    def lines(self) -> list[str]:
        out = ["cache folder: %s%s" % (self.folder or "(none writable: set ORUS_CACHE_DIR)",
                                      "" if self.writable or self.folder is None else " (read-only)"),
               "njit cache:   %s" % ("valid" if self.njit else "not built")]
        if self.native:
            out.append("native VM:    valid")
        elif self.native_unavailable:
            out.append("native VM:    unavailable here (%s)" % self.native_unavailable)
        else:
            out.append("native VM:    %s" % self.native_problem)
        return out


def native_problem(folder: str, fp: str) -> tuple[str | None, str | None]:
    """(why the native artifact must be (re)built or None, why it cannot be
    built here or None).  A build that failed for want of a C compiler is
    retried once a compiler is there."""
    from orus.jit import aot
    try:
        aot.validate(folder, fp)
    except aot.Unavailable as exc:
        if str(exc).startswith("no C compiler") and aot.find_compiler():
            return "a C compiler is available now", None
        return None, str(exc)
    except aot.ArtifactError as exc:
        return str(exc), None
    return None, None


def status() -> Status:
    return Status()


def is_warm() -> bool:
    return status().valid


# ====================================================================== build
class _Ticker:
    """Prints 'still working (N s)' every few seconds during one long step."""

    def __init__(self, say, every=10.0):
        self.say, self.every = say, every
        self.stop = threading.Event()
        self.thread = None

    def __enter__(self):
        if self.say is not None:
            t0 = time.perf_counter()

            def tick():
                while not self.stop.wait(self.every):
                    self.say("  ... still compiling (%d s)" % (time.perf_counter() - t0))
            self.thread = threading.Thread(target=tick, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        return False


def abi_signature_types():
    """The numba types of run's arguments, from orus/jit/abi.py."""
    from numba.core import types
    from orus.jit import abi
    return tuple(types.Array(getattr(types, d), n, "C") for d, n in zip(abi.DTYPES, abi.NDIMS))


def profiling_signature_types():
    """run_with's arguments when it counts instructions (`orus run --profile`)."""
    from numba.core import types
    return abi_signature_types() + (types.Array(types.int64, 1, "C"),)


def warm_profiling() -> None:
    """Make sure the njit cache holds the counting loop (run_with with a
    `prof` array), building it -- announced, under the lock, in a separate
    process when the lean build is available -- if the folder's marker
    PROFILE_MARKER is missing.  Without a writable cache folder, nothing:
    Numba compiles it in-process on first call, as before."""
    folder = cache.vm_cache_dir()
    if folder is None or os.path.exists(os.path.join(folder, PROFILE_MARKER)):
        return
    announce("compiling the VM's instruction-counting loop for --profile (once; "
             "about a minute)...")
    os.makedirs(folder, exist_ok=True)
    fp = cache.fingerprint()
    quiet = lambda text: None                   # noqa: E731 (the announcement said it all)
    with _Lock(str(folder)):
        if os.path.exists(os.path.join(folder, PROFILE_MARKER)):
            return
        if not _build_in_child(str(folder), fp, True, False, quiet, profiling=True):
            build_profiling(str(folder))


def build_profiling(folder: str) -> None:
    """Compile run_with's counting specialisation into the njit cache and
    write PROFILE_MARKER.  The caller holds the lock."""
    from orus.jit.numba_cache import point_numba_cache
    t = time.perf_counter()
    point_numba_cache()
    from orus.jit import vm
    vm.run_with.compile(profiling_signature_types())
    _mark(os.path.join(folder, PROFILE_MARKER), t)


def warm(quiet: bool = True, progress=None, native: bool = True, dry_run=None) -> float:
    """Build (or keep) the njit cache and the native artifact; returns seconds.
    `progress(text)` receives one line per step (None: silent).  `dry_run(vm)`,
    if given, runs a tiny program on the freshly compiled njit loop (the host
    layer passes one: this layer knows no Machine).  Raises OSError if there
    is no writable cache folder."""
    from orus.jit import aot
    say = progress if progress is not None else (None if quiet else
                                                 lambda text: print(text, file=sys.stderr))
    step = say or (lambda text: None)
    t0 = time.perf_counter()
    cache.fingerprint(fresh=True)           # a build reads the import closure afresh
    folder = cache.vm_cache_dir()
    if folder is None:
        raise OSError("no writable cache folder (tried %s; set ORUS_CACHE_DIR)"
                      % ", ".join(str(p) for p in cache.candidate_roots()))
    os.makedirs(folder, exist_ok=True)
    fp = cache.fingerprint()
    with _Lock(str(folder), step):
        marker = os.path.join(folder, MARKER)
        njit_ok = os.path.exists(marker)
        problem = None                      # why the native artifact must be (re)built
        if native:
            problem, _ = native_problem(str(folder), fp)
        if njit_ok:
            step("njit cache: valid")
        rebuild_native = native and problem is not None
        if rebuild_native and problem != "not built":
            step("native VM: %s; rebuilding it" % problem)
        if not njit_ok or rebuild_native:
            if not _build_in_child(str(folder), fp, njit_ok, rebuild_native, step):
                build_steps(str(folder), fp, njit_ok, rebuild_native, step, say, dry_run)
                dry_run = None
        if native and not rebuild_native:
            try:
                aot.validate(str(folder), fp)
                step("native VM: valid")
            except aot.Unavailable as exc:
                step("native VM: unavailable here (%s)" % exc)
        if dry_run is not None and (not njit_ok or rebuild_native):
            dry_run(_built_vm(str(folder), fp, native))
    _byte_compile(step)
    return time.perf_counter() - t0


def build_steps(folder: str, fp: str, njit_ok: bool, rebuild_native: bool, step, say=None,
                dry_run=None) -> None:
    """Compile the njit cache (unless `njit_ok`; also when the native VM is
    rebuilt, which links the compiled loop) and build the native VM (if
    `rebuild_native`), reporting through `step`.  The caller holds the lock."""
    from orus.jit import aot
    from orus.jit.numba_cache import point_numba_cache
    if not njit_ok:
        step("[1/2] compiling the VM loop with Numba (njit cache; about a minute on two cores) ...")
    t = time.perf_counter()
    point_numba_cache()
    with _Ticker(say if not njit_ok else None):
        from orus.jit import vm
        vm.run.compile(abi_signature_types())
        if dry_run is not None:
            dry_run(vm.run)
    if not njit_ok:
        _mark(os.path.join(folder, MARKER), t)
        step("      done in %.1f s" % (time.perf_counter() - t))
    if rebuild_native:
        step("[2/2] building the native VM (a shared library; a few seconds) ...")
        t = time.perf_counter()
        try:
            aot.build(folder, fp, progress=lambda text: step("      " + text))
            aot.load(folder, fp)          # it must load and check out
            step("      done in %.1f s" % (time.perf_counter() - t))
        except aot.Unavailable as exc:
            step("      not possible here: %s" % exc)


def _build_in_child(folder: str, fp: str, njit_ok: bool, rebuild_native: bool, step,
                    profiling: bool = False) -> bool:
    """`build_steps` in a process of its own with the lean Numba build
    (orus/jit/lean_build.py, orus/jit/build_vm.py), its progress relayed to
    `step`.  False if the lean build is not available here (ORUS_LEAN_BUILD=0
    turns it off) or the child failed: the caller then builds in-process."""
    import subprocess
    import tempfile
    from orus.jit import lean_build
    if os.environ.get("ORUS_LEAN_BUILD", "1") == "0" or not lean_build.supported():
        return False
    cmd = [sys.executable, "-m", "orus.jit.build_vm", folder, fp]
    cmd += [] if njit_ok else ["--njit"]
    cmd += ["--native"] if rebuild_native else []
    cmd += ["--profiling"] if profiling else []
    with tempfile.TemporaryFile(mode="w+") as err:     # (a pipe could fill up and block it)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                env=cache.child_env())
        for line in proc.stdout:
            step(line.rstrip("\n"))
        status = proc.wait()
        err.seek(0)
        errors = err.read()
    if status == 0:
        return True
    last = [line for line in errors.splitlines() if line.strip()][-1:] or ["exit status %d" % status]
    step("the separate build process failed (%s); building in this process instead" % last[0][:300])
    return False


def _built_vm(folder: str, fp: str, native: bool):
    """The VM just built: the native one if there is one, else the njit loop."""
    if native:
        from orus.jit import aot
        try:
            return aot.load(folder, fp)
        except aot.ArtifactError:
            pass
    from orus.jit.numba_cache import point_numba_cache
    point_numba_cache()
    from orus.jit import vm
    return vm.run


def _byte_compile(step) -> None:
    """Byte-compile orus' own sources, so that a run never compiles Python
    source (matters where __pycache__ is writable but not written at run
    time, e.g. with PYTHONDONTWRITEBYTECODE).  Best effort."""
    import compileall
    import io
    from contextlib import redirect_stdout
    try:
        with redirect_stdout(io.StringIO()):
            ok = compileall.compile_dir(str(cache.PACKAGE_DIR), quiet=2)
    except Exception:
        ok = False
    step("Python bytecode of orus: %s" % ("up to date" if ok else "not writable (skipped)"))


def _mark(path: str, started: float) -> None:
    """Write a marker file: the build it stands for finished (when, how long)."""
    from orus.bytecode.atomicio import write_atomic
    write_atomic(path, ("built %s in %.1f s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"),
                                                   time.perf_counter() - started)).encode())


class _Lock:
    """An exclusive file lock so that one process builds while others wait
    (Numba's cache is not safe for concurrent writers)."""

    def __init__(self, folder, say=None):
        self.path = None if folder is None else os.path.join(folder, ".lock")
        self.say = say
        self.fh = None

    def __enter__(self):
        if self.path is not None:
            try:
                import fcntl
                self.fh = open(self.path, "a")
                try:
                    fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if self.say is not None:
                        self.say("waiting for another orus process that is building the cache ...")
                    fcntl.flock(self.fh, fcntl.LOCK_EX)
            except (OSError, ImportError):
                self.fh = None
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            import fcntl
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
        return False


_ANNOUNCED = False


def announce(text: str = "compiling the VM for this installation "
                         "(once; `orus warm-cache` does it ahead of time)...") -> None:
    """Say once per process, on stderr, that this run pays for a build."""
    global _ANNOUNCED
    if not _ANNOUNCED:
        _ANNOUNCED = True
        sys.stderr.write("orus: %s\n" % text)
        sys.stderr.flush()


def announce_if_cold() -> None:
    if not is_warm():
        announce()
