"""IPython magics: ``%load_ext orus`` registers ``%%orus`` (a cell of Orus) and
``%orus`` (one line of Orus).

    %%orus -i xs,n -o total
    mut total = 0.0
    for x in xs:
        total += x
    print("mean of @ values: @.3f", n, total / (n as f64))

``-i NAME`` passes the Python variable NAME into the cell (repeatable, or
comma-separated: ``-i xs,n``); ``-o NAME`` stores the cell's global NAME back
into the Python namespace after the run (numpy arrays for arrays).  Printed
text appears as the cell's output.  Compile and runtime errors show as the
Orus report with the caret (no Python traceback) and the kernel goes on.
The conversions are those of ``orus.run`` (orus/notebook/cells.py).

The cells of a kernel share one ``orus.Session`` (orus/session.py): functions,
structs, enums and globals of one cell are there in the next, and only the
new cell's code runs; a cell that is one expression shows its value.  An
input (``-i``) becomes a mutable global of the session.  ``%orus_reset``
starts the session over; ``%%orus --fresh`` runs one cell on its own (as
``orus.run``: it neither sees nor changes the session).
"""

from __future__ import annotations

import re
import sys

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class

from orus.notebook import cells as notebook

__all__ = ["OrusMagics", "load_ipython_extension", "parse_options"]

_NAMES = r"[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*"
_OPTION = re.compile(r"(-i|-o|--input|--output)(?:\s*=\s*|\s*)(%s)(?=\s|$)" % _NAMES)
_FLAG = re.compile(r"--fresh(?=\s|$)")


def parse_options(line: str, flags=None):
    """(inputs, outputs, rest) from a magic line: the leading -i/-o options
    (``--`` ends them) and the text after them (the code of ``%orus``).
    ``--fresh`` is added to the set `flags` when given (else refused)."""
    inputs, outputs = [], []
    rest = line.strip()
    while rest.startswith("-"):
        if rest == "--" or rest.startswith("-- "):
            rest = rest[2:].strip()
            break
        flag = _FLAG.match(rest)
        if flag is not None and flags is not None:
            flags.add("--fresh")
            rest = rest[flag.end():].strip()
            continue
        m = _OPTION.match(rest)
        if m is None:
            word = rest.split()[0]
            if word in ("-i", "-o", "--input", "--output"):
                raise UsageError("%s needs a variable name (e.g. %s xs or %s xs,ys)"
                                 % (word, word, word))
            raise UsageError("unknown option %s: %%orus takes -i NAME (input), "
                             "-o NAME (output) and --fresh" % word)
        names = [n.strip() for n in m.group(2).split(",")]
        target = inputs if m.group(1) in ("-i", "--input") else outputs
        for n in names:
            if n not in target:
                target.append(n)
        rest = rest[m.end():].strip()
    return inputs, outputs, rest


def _echo(text: str) -> None:
    sys.stdout.write(text)          # looked up per call: IPython swaps sys.stdout


@magics_class
class OrusMagics(Magics):
    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.session = None             # the kernel's orus.Session, made on first use

    @line_magic
    def orus_reset(self, line):
        """Start the kernel's Orus session over (forget every definition and global)."""
        self.session = None

    @line_cell_magic
    def orus(self, line, cell=None):
        """Run Orus code: ``%%orus [-i NAME[,NAME...]] [-o NAME[,NAME...]] [--fresh]``
        with the code in the cell, or ``%orus [-i ...] [-o ...] CODE`` on one line.
        Cells share one session (``%orus_reset`` starts it over); ``--fresh``
        runs the cell on its own.

        -i NAME  pass the Python variable NAME in (int -> i64, float -> f64, bool,
                 str -> string, 1-D numpy int32/int64/uint32/uint64/float64/bool
                 arrays -> [i32]/[i64]/[u32]/[u64]/[f64]/[bool], lists, 2-D
                 arrays -> [[T]]); repeatable
        -o NAME  after the run, set the Python variable NAME to the value of the
                 cell's global NAME (arrays come back as numpy arrays, [[T]] as
                 2-D ones); repeatable
        """
        flags = set()
        inputs, outputs, rest = parse_options(line, flags)
        if cell is None:
            source = rest
        else:
            if rest:
                raise UsageError("unexpected text on the %%%%orus line: %r (the code goes in "
                                 "the cell; options are -i NAME and -o NAME)" % rest)
            source = cell
        ns = self.shell.user_ns
        missing = [n for n in inputs if n not in ns]
        if missing:
            raise UsageError("-i: no Python variable named %s"
                             % ", ".join("'%s'" % n for n in missing))
        values = {n: ns[n] for n in inputs}
        try:
            if "--fresh" in flags:
                result = notebook.run(source, values, outputs, echo=_echo).outputs
            else:
                result = self._in_session(source, values, outputs)
        finally:
            try:
                sys.stdout.flush()
            except Exception:
                pass
        ns.update(result)

    def _in_session(self, source: str, values: dict, outputs) -> dict:
        import codecs

        from orus.session import Session
        if self.session is None:
            self.session = Session(filename=notebook.CELL_FILENAME)
        session = self.session
        for name, value in values.items():
            session[name] = value
        decoder = codecs.getincrementaldecoder("utf-8")("replace")

        def write(data: bytes) -> None:
            piece = decoder.decode(data)
            if piece:
                _echo(piece)
        result = session.run(source, echo=True, write=write)
        err = result.error
        if err is not None:
            err.stdout = result.stdout
            notebook._attach_report(err, getattr(err, "source", None) or source)
            raise err.with_traceback(None) from None
        missing = [n for n in outputs if n not in session]
        if missing:
            known = ", ".join(sorted(session.globals)) or "none"
            raise notebook._short(NameError(
                "no global Orus variable named %s in the session (its globals: %s)"
                % (", ".join("'%s'" % n for n in missing), known)))
        return {n: session[n] for n in outputs}


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(OrusMagics)
