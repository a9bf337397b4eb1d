"""Run Orus code with Python values in and out (the API of the ``%%orus`` magic).

    import numpy as np, orus
    result = orus.run('''
    mut total = 0.0
    for x in xs:
        total += x
    print("n = @", n)
    ''', inputs={"xs": np.linspace(0.0, 1.0, 11), "n": 11}, outputs=["total"])
    result.outputs["total"]       # 5.5  (also result["total"])
    result.stdout                 # 'n = 11\\n'

Inputs become mutable global variables of the cell:

    Python value                                   Orus type
    int (and numpy int64 scalars)                  i64   (must fit: -2**63 .. 2**63-1)
    numpy int32 / uint32 / uint64 scalars          i32 / u32 / u64
    float (and numpy float scalars)                f64
    bool (and numpy bool_)                         bool
    str                                            string   (UTF-8)
    1-D numpy array of int32 / int64 / uint32 /    [i32] / [i64] / [u32] / [u64] /
        uint64 / float64 / bool                        [f64] / [bool]   (copied, no Python loop)
    numpy str array, list of str                   [string]
    list of ints / floats / bools                  [i64] / [f64] / [bool]
    2-D numpy array (any memory order) of those    [[T]]  (one Orus array per row;
        dtypes, a list of equal-length lists           one copy of the data, no
        or of 1-D arrays                               Python loop per element)
    a list of rows of different lengths            [[T]]  (row by row)

Anything else (a 3-D array, an object or float32 array, an int too large for
i64, rows of different types, a dict...) raises TypeError or ValueError naming
the variable.  Outputs are global variables of the cell read after the run:
scalars come back as Python int / float / bool / str, arrays of numbers and
bools as numpy arrays of the matching dtype (i32 -> int32, u64 -> uint64, ...;
a copy), a rectangular [[T]] of numbers or bools as a 2-D numpy array (a
ragged one as a list of 1-D arrays), arrays of strings as lists of str, other
arrays of arrays as lists.

How it works: the inputs are declared by a prelude (``mut xs: [f64] = []``,
one line each) so that the checker knows their names and types; the prelude's
instructions are skipped at run time and the values are written straight into
the global registers (``Program.globals``).  Error lines refer to the cell,
not the prelude.  Compiled cells are kept in memory (same source and input
types: no compilation the second time) and the VM is the process's warm one.
A cell that runs for 0.5 s or more gets its tier-2 native code built in the
background (its program saved for the builder); the next run of the same
cell (same source and input types) runs it (``result.tier2``; see
``orus.api.run_machine`` and docs/ARCHITECTURE.md, "Tier 2").

Errors: CompileError / OrusRuntimeError (``err.line`` counts lines of the
cell; ``err.stdout`` holds what the cell printed before a runtime error).  In
IPython they display as the Orus report with the caret, not a traceback.
"""

from __future__ import annotations

import codecs
import io
from collections import OrderedDict

import numpy as np

from orus.bytecode import protocol as P
from orus.errors import CompileError, OrusError, OrusRuntimeError
from orus.values import (  # the conversions: orus/values.py
    _read_value, _short, _store_input, _to_input, declaration)

__all__ = ["run", "CellResult", "CELL_FILENAME", "render_error"]

CELL_FILENAME = "<cell>"

_CACHE_SIZE = 128
_compiled: OrderedDict = OrderedDict()      # (filename, full source) -> _Compiled


class CellResult:
    """What ``orus.run`` returns: ``outputs`` (dict name -> Python value, in the
    order asked for), ``stdout`` (everything the cell printed, as text) and
    ``tier2`` (True when the cell ran on its tier-2 native code, built in the
    background after an earlier run of the same cell took a while)."""

    def __init__(self, outputs: dict, stdout: str, tier2: bool = False):
        self.outputs = outputs
        self.stdout = stdout
        self.tier2 = tier2

    def __getitem__(self, name):
        return self.outputs[name]

    def __repr__(self):
        return "CellResult(outputs=%s, stdout=%r)" % (sorted(self.outputs), self.stdout[:60])


# ----------------------------------------------------------------------------- errors

def render_error(err: OrusError, source=None, color: bool = False) -> str:
    """The Orus report of an error from ``run`` (with the caret under the
    cell's line; `source` defaults to the cell the error came from)."""
    from orus.diagnostics import render
    if source is None:
        source = getattr(err, "cell_source", None)
    return render(err, source, color=color)


def _attach_report(err: OrusError, source) -> None:
    """Give an Orus error the IPython hook that shows the report, not a traceback."""
    err.cell_source = source
    err._render_traceback_ = lambda: render_error(err, source, color=True).rstrip("\n").split("\n")


# ------------------------------------------------------------------------ compiling
class _Compiled:
    __slots__ = ("program", "start", "globals")

    def __init__(self, program, start, globals_):
        self.program = program
        self.start = start           # pc to start main at (after the prelude)
        self.globals = globals_


def _prelude_range(program, nlines: int):
    """[p0, p1): main's instructions for the prelude (file 0, lines 1..nlines)."""
    from orus.bytecode.program import FN_END, FN_ENTRY
    entry, end = int(program.funcs[0, FN_ENTRY]), int(program.funcs[0, FN_END])
    lines = program.lines[entry:end]
    mine = (lines[:, 2] == 0) & (lines[:, 0] >= 1) & (lines[:, 0] <= nlines)
    where = np.nonzero(mine)[0]
    if len(where) == 0:
        return entry, entry
    p0, p1 = entry + int(where[0]), entry + int(where[-1]) + 1
    if len(where) != p1 - p0:
        raise RuntimeError("orus.run: the instructions of the input declarations are not "
                           "contiguous (a bug in Orus)")
    return p0, p1


def _compile(source: bytes, filename: str, nlines: int) -> _Compiled:
    from orus.api import compile_source
    key = (filename, source)
    found = _compiled.get(key)
    if found is not None:
        _compiled.move_to_end(key)
        return found
    program = compile_source(source, filename)
    start = int(program.funcs[0, 0])
    if nlines:
        p0, p1 = _prelude_range(program, nlines)
        if p0 == start:
            start = p1
        else:
            # With modules, their top-level code runs first: jump over the prelude.
            import copy

            from orus.bytecode import opcodes as O
            from orus.api import verify
            program = copy.copy(program)
            program.code = program.code.copy()
            program.code[p0] = (O.JMP, p1, 0, 0)
            verify(program)
    compiled = _Compiled(program, start, program.globals)
    if len(getattr(program, "sources", None) or ()) <= 1:     # modules may change on disk
        _compiled[key] = compiled
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return compiled


def _shift(err: OrusError, filename: str, nlines: int, cell: str, decls) -> None:
    """Make an error's line count lines of the cell (the prelude has `nlines`)."""
    if err.filename != filename:
        return
    if nlines and 1 <= err.line <= nlines:
        inp = decls[err.line - 1]
        raise _short(ValueError("input '%s' (Orus type %s) cannot be declared: %s"
                                % (inp.name, inp.type, err.message))) from None
    if err.line > nlines:
        err.line -= nlines
    err.source = cell.encode("utf-8")       # the lines shown are the cell's, not the prelude's
    lines = cell.split("\n")
    if 1 <= err.line <= len(lines):
        err.source_line = lines[err.line - 1]


# ------------------------------------------------------------------------------ run
def run(source, inputs=None, outputs=(), *, filename: str = CELL_FILENAME,
        stdin=b"", echo=None, max_heap=None) -> CellResult:
    """Run Orus `source` (str or bytes) as one program.

    `inputs`: dict name -> Python value, each a global variable of the cell
    (see the module docstring for the types).  `outputs`: names of global
    variables of the cell to bring back (a str is one name).  `stdin`: what
    ``input()`` reads (bytes or str; default empty).  `echo`: an optional
    callable that receives the printed text as it is produced (the magic
    passes ``sys.stdout.write``); it is captured in ``result.stdout`` anyway.
    `max_heap`: the heap limit (bytes or a size text like "512M"; default
    ORUS_MAX_HEAP, else a quarter of physical memory).

    Raises CompileError / OrusRuntimeError (lines count from the cell's first
    line; a runtime error carries ``.stdout``, the text printed before it),
    TypeError / ValueError for an input that has no Orus type, NameError for
    an output that is not a global variable of the cell.
    """
    from orus.api import _as_bytes, new_machine, run_machine

    cell = source.decode("utf-8", "replace") if isinstance(source, (bytes, bytearray)) else str(source)
    if isinstance(outputs, str):
        outputs = [outputs]
    outputs = list(outputs or ())
    for name in outputs:
        if not isinstance(name, str):
            raise _short(TypeError("output names must be str, not %s" % type(name).__name__))
    decls = [_to_input(name, value) for name, value in (inputs or {}).items()]
    prelude = "".join(declaration(d) + "\n" for d in decls)
    nlines = len(decls)
    text = _as_bytes(source)
    full = prelude.encode("utf-8") + text

    try:
        compiled = _compile(full, filename, nlines)
    except CompileError as err:
        _shift(err, filename, nlines, cell, decls)
        _attach_report(err, cell if err.filename == filename else _source_of(err, full))
        raise err.with_traceback(None) from None

    missing = [n for n in outputs if n not in compiled.globals]
    if missing:
        known = ", ".join(sorted(compiled.globals)) or "none"
        raise _short(NameError("no global Orus variable named %s in the cell (its globals: %s)"
                               % (", ".join("'%s'" % n for n in missing), known)))

    captured = io.BytesIO()
    if echo is None:
        write = captured.write
    else:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")

        def write(data: bytes) -> None:
            captured.write(data)
            piece = decoder.decode(data)
            if piece:
                echo(piece)

    machine = new_machine(compiled.program, write, io.BytesIO(_as_bytes(stdin)),
                          max_heap=max_heap)
    machine.to_numpy()                  # values come and go as numpy arrays
    machine.state[P.S_PC] = compiled.start
    for name in outputs:
        # A string or array the cell never assigns keeps this invalid handle
        # (the collector and every heap access check handles).
        reg, ty = compiled.globals[name]
        if getattr(ty, "category", None) == "handle":
            machine.regs[reg] = -1
    for d in decls:
        _store_input(machine, compiled.globals[d.name][0], d)
    try:
        vm = run_machine(machine, autobuild=True)
    except OrusRuntimeError as err:
        _shift(err, filename, nlines, cell, decls)
        err.stdout = captured.getvalue().decode("utf-8", "replace")
        err.tier2 = getattr(machine.vm, "tier2", False)
        _attach_report(err, cell if err.filename == filename else _source_of(err, full))
        raise err.with_traceback(None) from None
    values = {}
    for name in outputs:
        reg, ty = compiled.globals[name]
        values[name] = _read_value(machine, name, ty, int(machine.regs[reg]))
    return CellResult(values, captured.getvalue().decode("utf-8", "replace"),
                      getattr(vm, "tier2", False))


def _source_of(err, main_source):
    return err.source if err.source is not None else main_source
