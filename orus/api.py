"""The Python API: load -> compile or load the saved bytecode -> run.

    program = orus.compile_source(text, filename="prog.orus")   # CompileError
    result = orus.run_source(text)        # never raises for Orus errors
    result.stdout, result.status          # also unpacks: out, status = result
    orus.run_file("prog.orus")            # writes to sys.stdout; raises
                                          # CompileError / OrusRuntimeError

Every run has a heap limit: ``max_heap=`` (bytes or a size text like "512M")
of run_source / run_file / run_program / run, else the environment variable
ORUS_MAX_HEAP, else a quarter of physical memory.  A program that needs more
stops with the runtime error "out of memory" (catchable by try/catch).

This is the one place that puts the layers together: the front end
(orus.frontend) compiles, orus.program_cache keeps saved programs, the host
(orus.host) runs them on the VM (orus.jit).  Importing it preloads the run
path (``preload``), so that the first run in a process is as fast as the
second; ``orus`` itself imports this module only when its API is used.
"""

from __future__ import annotations

import io
import os
import sys

from orus import program_cache
from orus.errors import EXIT_COMPILE, EXIT_OK, EXIT_RUNTIME, CompileError, OrusError, OrusRuntimeError
from orus.jit import get_vm

__all__ = ["compile_source", "load_program", "run_program", "run_source", "run_file", "RunResult",
           "verify", "new_machine", "run_machine", "get_vm", "program_vm", "tier2_status", "build_tier2", "warm_cache", "cache_status", "preload"]


def _as_bytes(text) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def compile_source(text, filename: str = "<input>"):
    """Compile Orus source (str or bytes) to a Program (the VM verifies it
    before its first instruction runs; ``orus.api.verify`` does it now)."""
    from orus.frontend import compile_program
    return compile_program(_as_bytes(text), filename)


def load_program(source: bytes, filename: str, use_cache: bool = True):
    """Like compile_source, but reuses saved bytecode for an unchanged source."""
    if not use_cache:
        return compile_source(source, filename)
    from orus.jit import cache
    folder = cache.bytecode_dir()
    if folder is None:
        return compile_source(source, filename)
    program = program_cache.load_cached(folder, source, filename)
    if program is None:
        program = compile_source(source, filename)
        program_cache.save_cached(folder, program, source)
    return program


def run_program(program, write, stdin=None, profile=None, max_heap=None,
                autobuild=False) -> None:
    """Execute a compiled program; `write(bytes)` receives stdout text;
    `stdin` (a binary stream) feeds input(), default sys.stdin.  With
    `profile` (a callable taking the report text), the VM counts executed
    instructions and the report is produced after the run (also after an error).
    `max_heap`: the heap limit (see the module docstring).  `autobuild`: a
    run that takes a while starts a background build of the program's
    tier-2 native code for next time (orus/autobuild.py; the CLI asks)."""
    from orus.bytecode.program import BytecodeError
    try:
        _execute(program, write, stdin, profile, max_heap, autobuild)
    except BytecodeError:
        # A saved program the verifier rejects (nothing ran: making the
        # machine and the VM's first call check it before any instruction)
        # is deleted and compiled again; a fresh one failing is a bug.
        saved = program.saved_file
        if saved is None:
            raise
        from orus.program_cache import discard
        discard(saved)
        _execute(load_program(program.source, program.filename), write, stdin, profile,
                 max_heap)


def _execute(program, write, stdin, profile, max_heap=None, autobuild=False) -> None:
    from orus.host.machine import Machine
    import time
    if profile is None:
        run_machine(Machine(program, get_vm(), write, stdin, max_heap=max_heap), autobuild,
                    saved=False)
        return

    import numpy as np

    from orus.bytecode.program import halt_program
    from orus.jit import get_profiling_vm
    from orus.host.profile import report
    # compile (or load) the counting loop outside the timed run
    Machine(halt_program(), get_profiling_vm(np.zeros(1, dtype=np.int64)), lambda data: None).run()
    counts = np.zeros(len(program.code), dtype=np.int64)
    machine = Machine(program, get_profiling_vm(counts), write, stdin, max_heap=max_heap)
    machine.verify_only()               # a rejected program gets no report
    t0 = time.perf_counter()
    try:
        machine.run()
    finally:
        profile(report(program, counts, time.perf_counter() - t0))


def program_vm(program):
    """The VM for a run of `program`: tier 2 over tier 1 when its native
    code is built (orus/tier2; ORUS_TIER2=0 turns it off), else tier 1."""
    vm = get_vm()
    from orus import tier2
    if not tier2.enabled():
        return vm
    from orus.tier2 import store
    try:
        return store.load(program, vm) or vm
    except Exception:               # never fail a run over an optimisation
        return vm


def tier2_status(program) -> str:
    """One line on `program`'s tier-2 native code: built (how much of it is
    native), or why not (not built, damaged, ORUS_TIER2=0).  Builds nothing."""
    from orus import tier2
    if not tier2.enabled():
        return "off (ORUS_TIER2=0)"
    from orus.tier2 import store
    where = store.folder()
    if where is None:
        return "no cache folder"
    k = store.key(program)
    try:
        info = store.validate(k, where)
    except store.Tier2Error as exc:
        lib, _ = store.paths(k, where)
        return str(exc) if os.path.exists(lib) else "not built"
    return "built (%s of %s instructions native)" % (info.get("supported", "?"), info.get("total", "?"))


def build_tier2(program, progress=None) -> dict:
    """Verify `program` and build its native code into the cache
    (orus/tier2/build.py; needs llvmlite and a C compiler)."""
    verify(program)
    from orus.tier2 import build
    return build.build(program, progress=progress)


class RunResult:
    """Outcome of run_source: stdout text, exit status, and the error if any
    (``tier2``: a session input that ran on its tier-2 native code)."""

    tier2 = False

    def __init__(self, stdout_bytes: bytes, status: int, error: OrusError | None, stderr: str):
        self.stdout_bytes = stdout_bytes
        self.stdout = stdout_bytes.decode("utf-8", "replace")
        self.status = status
        self.error = error
        self.stderr = stderr

    def __iter__(self):
        return iter((self.stdout, self.status))

    def __repr__(self):
        return "RunResult(status=%d, stdout=%r)" % (self.status, self.stdout[:60])


def run_source(text, filename: str = "<input>", stdin: bytes = b"",
               max_heap=None) -> RunResult:
    """Compile and run; capture stdout; `stdin` is what input() reads;
    `max_heap` the heap limit.  Never raises for errors in the program (a
    malformed `max_heap` or ORUS_MAX_HEAP is a ValueError before anything runs)."""
    from orus.host.machine import resolve_max_heap
    max_heap = resolve_max_heap(max_heap)
    source = _as_bytes(text)
    out = io.BytesIO()
    error, status = None, EXIT_OK
    try:
        run_program(compile_source(source, filename), out.write, io.BytesIO(_as_bytes(stdin)),
                    max_heap=max_heap)
    except CompileError as exc:
        error, status = exc, EXIT_COMPILE
    except OrusRuntimeError as exc:
        error, status = exc, EXIT_RUNTIME
    if error is None:
        return RunResult(out.getvalue(), status, error, "")
    from orus.diagnostics import render
    return RunResult(out.getvalue(), status, error, render(error, source))


def _stdout_writer():
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        return buffer.write
    return lambda data: stream.write(data.decode("utf-8", "replace"))


def run_file(path: str, max_heap=None) -> None:
    """Run an Orus file, writing to sys.stdout.  Raises CompileError (also for an
    unreadable file) or OrusRuntimeError after the output printed before it;
    `max_heap`: the heap limit (see the module docstring)."""
    from orus.host.machine import resolve_max_heap
    max_heap = resolve_max_heap(max_heap)
    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError as exc:
        raise CompileError("cannot read file: %s" % (exc.strerror or exc), path, 0, 0) from None
    write = _stdout_writer()
    try:
        run_program(load_program(source, path), write, max_heap=max_heap)
    finally:
        if getattr(sys.stdout, "buffer", None) is not None:
            sys.stdout.buffer.flush()


def preload(dry_run: bool = True) -> None:
    """Import the run path and load the native VM now, so that the first run
    in a process costs what later runs do (no JIT, no lazy loading inside a
    user's run).  Importing this module does it (the front end alone, or
    ``import orus``, loads nothing).  The run path does not import numpy
    (orus/bytecode/buffers.py), so neither does this.  ORUS_LAZY=1 skips it.
    `dry_run`: also run a one-instruction program through the native VM, so
    that its first-call costs are paid here, not in a session's or notebook's
    first input (the command line, which runs one program, skips it: ~1.5 ms)."""
    if os.environ.get("ORUS_LAZY") == "1":
        return
    try:
        from orus.host import fmt  # noqa: F401 (the run path)
        from orus.host.machine import Machine
        from orus.bytecode.program import halt_program
        from orus.jit import cache, preload_native_vm
        if preload_native_vm() and dry_run:
            # a dry run through the path a run takes (Machine, VM call, output),
            # so that first-call costs are paid here
            Machine(halt_program(), get_vm(), lambda data: None).run()
        cache.bytecode_dir()
        program_cache.compiler_version()
    except Exception:           # never fail a run over an optimisation
        pass


def new_machine(program, write, stdin=None, max_heap=None, reserve=False):
    """A Machine for `program` on this process's VM (the notebook API drives
    it; `reserve`: room for later programs, Machine.extend)."""
    from orus.host.machine import Machine
    return Machine(program, get_vm(), write, stdin, max_heap=max_heap, reserve=reserve)


def run_machine(machine, autobuild: bool = False, saved: bool = True):
    """Run `machine` (from new_machine, or a session's machine after
    ``extend``) to the end on the VM for its program: tier 2 over tier 1 when
    the program's native code is built (program_vm), else tier 1.  Returns
    that VM (``tier2`` is True for native code; it stays ``machine.vm``, also
    after an error).  `autobuild`: a run that took ORUS_TIER2_AUTO_AFTER
    (0.5 s) or more without native code starts a background build of it for
    the next run of the same program (orus/autobuild.py; with `saved`, the
    program's arrays are saved for the builder: a notebook cell or a session
    input is not a file; without, the builder compiles the program's file,
    as for `orus run FILE`).  Raises what Machine.run raises."""
    import time
    vm = machine.vm = program_vm(machine.program)
    t0 = time.perf_counter()
    try:
        machine.run()
    finally:
        if autobuild and not getattr(vm, "tier2", False):
            from orus import autobuild as auto
            auto.maybe_start(machine.program, time.perf_counter() - t0, saved=saved)
    return vm


def verify(program) -> None:
    """Raise BytecodeError unless `program` is safe to run (host tables and
    the kernel's checks); loads the VM if it is not loaded yet."""
    new_machine(program, lambda data: None).verify_only()


def warm_cache(progress=None, programs=()) -> float:
    """Build the VM cache (njit cache and native library) ahead of time, with
    a dry run of the loop through a Machine; returns seconds (jit.warm.warm).
    `programs`: paths of Orus files whose tier-2 native code to build too."""
    from orus.bytecode.program import halt_program
    from orus.host.machine import Machine
    from orus.jit import warm

    def dry_run(vm):
        Machine(halt_program("<warm-cache>"), vm, lambda data: None).run()
    seconds = warm.warm(quiet=progress is None, progress=progress, dry_run=dry_run)
    import time
    t0 = time.perf_counter()
    for path in programs:
        with open(path, "rb") as fh:
            source = fh.read()
        fields = build_tier2(load_program(source, path), progress)
        if progress is not None:
            progress("tier 2: %s: %s of %s instructions native, %s s"
                     % (path, fields["supported"], fields["total"], fields["seconds"]))
    return seconds + time.perf_counter() - t0


def cache_status():
    """What the VM cache holds (jit.warm.status: .valid, .fingerprint, .lines())."""
    from orus.jit import warm
    return warm.status()


preload(dry_run="orus.cli" not in sys.modules)
