"""The interactive prompt: ``orus`` on a terminal, or ``orus repl``.

    >>> fn sq(x: i32) -> i32:
    ...     return x * x
    ...
    >>> sq(7)
    49

A line ending in ``:`` opens a block, continued with ``... `` until an empty
line.  An input that is one expression with a value prints it.  Errors print
the usual report and the session goes on; Ctrl-C cancels the line being
typed or interrupts a running program (the session stays as it was before
that input); Ctrl-D (or ``:quit``) exits with status 0.  Line editing and
history come from readline (history in ~/.orus_history).  The session is an
``orus.Session`` (orus/session.py).
"""

from __future__ import annotations

import os
import sys

from orus import __version__

HISTORY = "~/.orus_history"
HELP = """\
Enter Orus statements, declarations (fn, struct, enum, impl, use) or an
expression to print its value.  A line ending in ':' opens a block; an empty
line ends it.  Definitions and globals stay for later inputs; entering
`fn f`, `struct S` or `enum E` again replaces it.

  :help          this text
  :quit          leave (also Ctrl-D)
  :reset         forget every definition and global
  :type EXPR     the static type of EXPR
  :dis [NAME]    the bytecode of function NAME (every function without NAME)
  :globals       the globals and their types

Ctrl-C cancels the input being typed or interrupts a running program.
"""


def _setup_readline():
    try:
        import readline
    except ImportError:             # no line editing: plain input()
        return
    path = os.path.expanduser(HISTORY)
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save():
        try:
            readline.write_history_file(path)
        except OSError:
            pass
    import atexit
    atexit.register(save)


def _depth(text: str) -> int:
    """Open brackets in `text` (outside strings and // comments)."""
    depth, quote, i = 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote or ch == "\n":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        i += 1
    return depth


def _opens_block(line: str) -> bool:
    code = line.split("//", 1)[0].rstrip()
    return code.endswith(":")


def read_input(prompt=input) -> str:
    """One input: a line (more while brackets are open), or a block from a
    line ending in ':' up to an empty line (raises EOFError, KeyboardInterrupt)."""
    lines = [prompt(">>> ")]
    while _depth("\n".join(lines)) > 0:
        lines.append(prompt("... "))
    if not _opens_block(lines[-1]):
        return "\n".join(lines)
    while True:
        line = prompt("... ")
        if not line.strip():
            return "\n".join(lines) + "\n"
        lines.append(line)


class Repl:
    def __init__(self, out=None, err=None):
        from orus.session import Session
        self.session = Session(stdin=None)
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.color = self.err.isatty()

    def write(self, data: bytes) -> None:
        buf = getattr(self.out, "buffer", None)
        if buf is not None:
            buf.write(data)
            buf.flush()
        else:
            self.out.write(data.decode("utf-8", "replace"))
            self.out.flush()

    def report(self, err) -> None:
        from orus.diagnostics import render
        text = render(err, getattr(err, "source", None), color=self.color)
        self.err.write(text if text.endswith("\n") else text + "\n")
        self.err.flush()

    def loop(self) -> int:
        self.out.write("Orus %s (Python %d.%d); :help for help, Ctrl-D to exit\n"
                       % (__version__, *sys.version_info[:2]))
        self.out.flush()
        while True:
            try:
                text = read_input()
            except EOFError:
                self.out.write("\n")
                return 0
            except KeyboardInterrupt:
                self.out.write("\nKeyboardInterrupt\n")
                continue
            try:
                if text.strip().startswith(":"):
                    if self.command(text.strip()) == "quit":
                        return 0
                elif text.strip():
                    self.execute(text)
            except KeyboardInterrupt:
                self.out.flush()
                self.err.write("\nKeyboardInterrupt\n")
                self.err.flush()

    def execute(self, text: str) -> None:
        result = self.session.run(text, echo=True, write=self.write)
        dropped = self.session.dropped
        if dropped and (result.error is None or any("'%s'" % n in result.error.message
                                                     for n in dropped)):
            self.err.write("note: %s of an earlier input could not be kept (a function "
                           "value made by a lambda, a value of type any, or an empty array "
                           "whose element type is unknown)\n"
                           % ", ".join("'%s'" % n for n in dropped))
        if result.error is not None:
            self.report(result.error)

    def command(self, line: str):
        from orus.errors import CompileError
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if name in ("q", "quit", "exit"):
            return "quit"
        if name in ("h", "help", "?"):
            self.out.write(HELP)
        elif name == "reset":
            self.session.reset()
            self.out.write("session reset\n")
        elif name in ("t", "type"):
            if not arg:
                self.err.write(":type needs an expression\n")
                return None
            try:
                self.out.write(self.session.type_of(arg) + "\n")
            except CompileError as err:
                self.report(err)
        elif name == "dis":
            self.disassemble(arg)
        elif name == "globals":
            for n, ty in sorted(self.session.globals.items()):
                self.out.write("%s: %s\n" % (n, ty))
        else:
            self.err.write("unknown command :%s (:help lists them)\n" % name)
        self.out.flush()
        return None

    def disassemble(self, name: str) -> None:
        from orus.bytecode import disasm
        program = self.session.program_of("")
        if not name:
            self.out.write(disasm.disassemble(program) + "\n")
            return
        found = False
        for f in range(len(program.funcs)):
            if program.function_name(f) == name:
                found = True
                self.out.write("fn %s\n" % name)
                self.out.write("".join(line + "\n" for line in disasm.function_lines(program, f)))
        if not found:
            self.err.write("no function named '%s' (functions: %s)\n"
                           % (name, ", ".join(self.session.functions) or "none"))


def main() -> int:
    """Run the prompt until Ctrl-D or :quit; returns the exit status (0)."""
    _setup_readline()
    return Repl().loop()
