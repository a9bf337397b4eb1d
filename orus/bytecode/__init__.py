"""The program format: the opcode table, a program's arrays and their file,
the host protocol, host-call and runtime-error tables, the disassembler and the
host-side table checks.  Imports nothing else of orus (but orus.errors).
"""
