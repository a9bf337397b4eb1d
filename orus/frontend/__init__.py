"""The front end: source -> tokens -> AST -> typed AST -> bytecode (a Program).

    lexer.py      bytes -> tokens (indentation becomes INDENT/DEDENT)
    parser.py     tokens -> ast.py nodes (a Pratt parser)
    checker/      scopes, types, every static rule; annotates the AST
    compiler/     register allocation and instruction selection -> Program
    modules.py    `use`: finds, checks and links every file of a program

``compile_program`` is the one entry point.  The front end imports only
orus.bytecode (and orus.errors): no numpy until a Program's arrays are
built, never numba, llvmlite, ctypes or the VM.
"""


def compile_program(source, filename: str = "<input>", predeclared=(), front=False):
    """Parse, check and compile a program (its main file and every module it
    `use`s) into a Program.  Raises CompileError.  (`predeclared`, `front`:
    for interactive sessions, see orus.frontend.modules.compile_program.)"""
    from orus.frontend.modules import compile_program as _compile
    return _compile(source, filename, predeclared, front)
