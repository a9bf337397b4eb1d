"""Exceptions that carry an Orus source location, and the exit statuses.

The command line turns them into the report format of the spec (see
orus/diagnostics.py) and the exit codes 65 (compile) and 70 (runtime).
This module is the bottom of the package: it imports nothing of orus.
"""

# Exit status of `orus`: success, internal error (a bug), command-line misuse,
# compile error (nothing ran), runtime error (output before it is kept).
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_COMPILE, EXIT_RUNTIME = 0, 1, 2, 65, 70


class OrusError(Exception):
    """Base class: an error located in an Orus source file."""

    phase = "error"

    def __init__(self, message, filename="<input>", line=0, col=0, source_line=None):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col
        # The text of the offending line, when known (for the caret display).
        self.source_line = source_line
        # The whole text of `filename` (bytes), when the raiser knows it: a
        # module's compile error or a runtime error in a module's code is
        # shown with that file's line, not the main file's.
        self.source = None

    def __str__(self):
        return "%s:%d:%d: %s" % (self.filename, self.line, self.col, self.message)


class CompileError(OrusError):
    """The program is rejected before anything runs (exit status 65)."""

    phase = "compile"


class OrusRuntimeError(OrusError):
    """The program stopped with a runtime error (exit status 70).

    ``kind`` is the error kind of DATA.md §7 ("runtime error", "index error", ...).
    """

    phase = "runtime"

    def __init__(self, message, filename="<input>", line=0, col=0, source_line=None,
                 kind="runtime error"):
        super().__init__(message, filename, line, col, source_line)
        self.kind = kind
