"""The front end: source -> tokens -> AST -> typed AST -> bytecode (a Program).
Imports orus.bytecode only; never numpy-free-breaking imports of the VM.
"""
