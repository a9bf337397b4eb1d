"""The `orus` command line.

    orus run FILE | -        run a program (`orus FILE` also works)
    orus repl                the interactive prompt (also `orus` alone on a terminal)
    orus dis FILE            list its bytecode
    orus warm-cache [--check]
    orus --version

Exit status: 0 ok, 65 compile error (also an unreadable file), 70 runtime
error, 2 command-line misuse (also a malformed ORUS_MAX_HEAP), 1 internal
error (a bug in Orus).

Environment: ORUS_MAX_HEAP (the heap limit: bytes, or e.g. 512M, 2G; default
a quarter of physical memory; past it a program stops with "out of memory").  No Python
traceback reaches the user (set ORUS_DEBUG=1 to see one for internal errors).
"""

from __future__ import annotations

import os
import sys

from orus import __version__
from orus.errors import (EXIT_COMPILE, EXIT_INTERNAL, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE,
                         CompileError, OrusError)

COMMANDS = ("run", "dis", "warm-cache", "repl")


def _build_parser():
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message):
            self.print_usage(sys.stderr)
            sys.stderr.write("%s: error: %s\n" % (self.prog, message))
            sys.exit(EXIT_USAGE)

    parser = _Parser(prog="orus", description="Run Orus programs.")
    parser.add_argument("--version", action="version", version="orus " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser("run", help="run an Orus program")
    run.add_argument("file", metavar="FILE", help="program to run ('-' reads standard input)")
    run.add_argument("--no-cache", action="store_true", help="do not reuse saved bytecode")
    run.add_argument("--profile", action="store_true",
                     help="after the run, print executed opcode counts and the hottest lines to stderr")
    run.add_argument("--dump-bytecode", action="store_true",
                     help="print the bytecode listing to stderr before running")
    sub.add_parser("repl", help="the interactive prompt (`orus` alone on a terminal)")
    dis = sub.add_parser("dis", help="show the bytecode of a program")
    dis.add_argument("file", metavar="FILE")
    warm = sub.add_parser("warm-cache", help="compile the VM ahead of time "
                          "(and, for the PROGRAMs given, their tier-2 native code)")
    warm.add_argument("--check", action="store_true",
                      help="only report whether the cache (and the PROGRAMs' native code) is valid "
                           "(exit 0 if it is, 1 if not)")
    warm.add_argument("programs", nargs="*", metavar="PROGRAM",
                      help="Orus files to build native code for (tier 2; ORUS_TIER2=0: none)")
    return parser


def _read_source(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CompileError("cannot read file '%s': %s" % (path, exc.strerror or exc), path, 0, 0)


def _report(err: OrusError, source: bytes | None) -> int:
    from orus.diagnostics import render
    text = render(err, source, color=sys.stderr.isatty())
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()
    return EXIT_COMPILE if isinstance(err, CompileError) else EXIT_RUNTIME


def _cmd_run(args) -> int:
    from orus.api import load_program, run_program
    from orus.host.machine import resolve_max_heap
    try:
        max_heap = resolve_max_heap()            # ORUS_MAX_HEAP, checked before anything runs
    except ValueError as exc:
        sys.stderr.write("orus: %s\n" % exc)
        return EXIT_USAGE
    filename = "<stdin>" if args.file == "-" else args.file
    source = None
    try:
        source = _read_source(args.file)
        program = load_program(source, filename, use_cache=not args.no_cache)
        if args.dump_bytecode:
            from orus.bytecode.disasm import disassemble
            sys.stderr.write(disassemble(program) + "\n")
        from orus.api import get_vm
        get_vm()        # native VM, else njit; a cold cache is built (and announced) here
        sys.stdout.flush()
        out = sys.stdout.buffer
        def show_profile(text):
            out.flush()
            sys.stderr.write(text)
        profile = show_profile if args.profile else None
        try:
            run_program(program, out.write, profile=profile, max_heap=max_heap,
                        autobuild=True)
        finally:
            out.flush()
    except OrusError as err:
        return _report(err, source)
    return EXIT_OK


def _cmd_dis(args) -> int:
    from orus.api import compile_source
    source = None
    try:
        source = _read_source(args.file)
        program = compile_source(source, args.file)
    except OrusError as err:
        return _report(err, source)
    from orus.bytecode.disasm import disassemble
    sys.stdout.write(disassemble(program) + "\n")
    return EXIT_OK


def _cmd_warm(args) -> int:
    from orus.api import cache_status, warm_cache
    status = cache_status()
    programs = getattr(args, "programs", None) or []
    if programs and not args.check:
        from orus import tier2
        if not tier2.enabled():
            sys.stderr.write("orus: ORUS_TIER2=0: not building native code for programs\n")
            programs = []
    if args.check or (status.valid and not programs):
        for line in status.lines():
            print(line)
        print("cache valid" if status.valid else "cache not valid (`orus warm-cache` builds it)")
        built = _tier2_lines(programs) if args.check else True
        return EXIT_OK if (status.valid and built) or not args.check else 1
    print("orus: building the VM cache (fingerprint %s)" % status.fingerprint, flush=True)
    try:
        seconds = warm_cache(progress=lambda text: print(text, flush=True), programs=programs)
    except OrusError as err:
        return _report(err, None)
    except OSError as exc:
        sys.stderr.write("orus: cannot build the VM cache: %s\n"
                         "orus: runs still work, but compile the VM every time (slow)\n" % exc)
        return 1
    status = cache_status()
    for line in status.lines():
        print(line)
    print("orus: VM cache ready in %.1f s" % seconds)
    return EXIT_OK if status.valid else 1


def _tier2_lines(programs) -> bool:
    """`warm-cache --check PROGRAM ...`: a line per program on its tier-2
    native code; True if every one is built."""
    from orus.api import load_program, tier2_status
    ok = True
    for path in programs:
        try:
            with open(path, "rb") as fh:
                line = tier2_status(load_program(fh.read(), path))
        except OSError as exc:
            line = "cannot read it (%s)" % (exc.strerror or exc)
        except OrusError as err:
            line = "does not compile (%s)" % err.message
        print("tier 2:       %s: %s" % (path, line))
        ok = ok and line.startswith("built")
    return ok


def _cmd_repl(args) -> int:
    from orus.repl import main as repl
    return repl()


class _Args:
    """Parsed arguments built without argparse (its namespace's attributes)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _plain_run(argv):
    """`orus run FILE` / `orus FILE` with no option: the arguments argparse
    would produce, without importing it (argparse and the re and shutil it
    imports are ~6 ms, a fifth of a small program's whole run)."""
    if len(argv) == 2 and argv[0] == "run" and (argv[1] == "-" or not argv[1].startswith("-")):
        return _Args(command="run", file=argv[1], no_cache=False, profile=False,
                               dump_bytecode=False)
    return None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv = ["run"] + argv              # `orus FILE` runs FILE (DECISIONS row 38)
    args = _plain_run(argv)
    if args is None:
        parser = _build_parser()
        if not argv and sys.stdin.isatty():
            return _guarded(_cmd_repl, _Args(command="repl"))   # DECISIONS core row 38
        if not argv:
            parser.print_usage(sys.stderr)
            return EXIT_USAGE
        args = parser.parse_args(argv)
    if args.command is None:
        _build_parser().print_usage(sys.stderr)
        return EXIT_USAGE
    handler = {"run": _cmd_run, "dis": _cmd_dis, "warm-cache": _cmd_warm,
               "repl": _cmd_repl}[args.command]
    return _guarded(handler, args)


def _guarded(handler, args) -> int:
    try:
        return handler(args)
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except RecursionError as exc:
        return _internal(exc)
    except Exception as exc:                 # a bug in Orus, never the user's fault
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    if os.environ.get("ORUS_DEBUG"):
        import traceback
        traceback.print_exc()
    try:
        from orus.diagnostics import internal_error_text
        text = internal_error_text(exc)
    except Exception:
        text = "orus: internal error (this is a bug in Orus; please report it): %s: %s" % (
            type(exc).__name__, exc)
    sys.stderr.write(text.rstrip("\n") + "\n")
    return EXIT_INTERNAL
