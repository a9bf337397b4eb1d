"""Orus: a statically typed scripting language with a Numba-compiled VM.

Python API (orus/api.py; loaded on first use, so that ``import orus`` and
the front end alone load no VM):

    program = orus.compile_source(text, filename="prog.orus")   # CompileError
    result = orus.run_source(text)        # never raises for Orus errors
    result.stdout, result.status          # also unpacks: out, status = result
    orus.run_file("prog.orus")            # writes to sys.stdout; raises
                                          # CompileError / OrusRuntimeError
    orus.run(src, inputs={"xs": array}, outputs=["ys"])        # notebooks
    session = orus.Session(); session.run("x = 1"); session["x"]  # interactive

Every run has a heap limit (``max_heap=``, ORUS_MAX_HEAP; see orus/api.py).

Layers (docs/ARCHITECTURE.md): orus.bytecode at the bottom, orus.frontend and
orus.jit above it, orus.host above the jit, orus.api above those, orus.cli
and orus.notebook on top.
"""

from orus.errors import (EXIT_COMPILE, EXIT_INTERNAL, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE,
                         CompileError, OrusError, OrusRuntimeError)

__version__ = "0.1.0"

_API = ("compile_source", "load_program", "run_program", "run_source", "run_file", "RunResult",
        "preload")
__all__ = ["CompileError", "OrusError", "OrusRuntimeError", "__version__", "run", "Session",
           "load_ipython_extension", *_API]


def __getattr__(name):
    """The API on first use (PEP 562): importing orus stays free."""
    if name in _API:
        from orus import api
        return getattr(api, name)
    if name == "Session":
        from orus.session import Session
        return Session
    raise AttributeError("module 'orus' has no attribute %r" % name)


def run(source, inputs=None, outputs=(), **options):
    """Run Orus code with Python values in and out (the API of the %%orus magic):
    ``orus.run(src, inputs={"xs": array}, outputs=["ys"])`` -> CellResult with
    ``.outputs`` (dict) and ``.stdout`` (text).  See orus/notebook/cells.py."""
    from orus.notebook.cells import run as _run
    return _run(source, inputs, outputs, **options)


def load_ipython_extension(ipython):
    """``%load_ext orus``: registers the %%orus / %orus magics (orus/notebook/magic.py)."""
    from orus.notebook.magic import load_ipython_extension as _load
    _load(ipython)
