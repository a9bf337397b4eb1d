"""Run one program on tier 1 and on tier 2 (its native code built into a
given folder) and return what a user would see: stdout, and the runtime
error's kind, message, file, line and column (or None).  Used by
tests/test_tier2.py."""

from __future__ import annotations

import io
from pathlib import Path

from orus import api
from orus.errors import OrusRuntimeError
from orus.host.machine import Machine
from orus.jit import get_vm
from orus.tier2 import build, store


class CountingVM:
    """Tier 1, counting its calls (how often tier 2 fell back)."""

    def __init__(self, vm):
        self.vm = vm
        self.native = getattr(vm, "native", False)
        self.calls = 0

    def __call__(self, *arrays):
        self.calls += 1
        return self.vm(*arrays)


def outcome(program, vm, stdin: bytes = b"", max_heap=None, machines=None):
    """(stdout, error); the Machine is appended to `machines` if given."""
    out = io.BytesIO()
    error = None
    machine = Machine(program, vm, out.write, io.BytesIO(stdin), max_heap=max_heap)
    if machines is not None:
        machines.append(machine)
    try:
        machine.run()
    except OrusRuntimeError as exc:
        error = (exc.kind, exc.message, exc.filename, exc.line, exc.col)
    return out.getvalue(), error


def tier2_vm(program, where: str, tier1=None):
    """Build `program`'s native code into `where` and load it over tier 1."""
    api.verify(program)
    build.build(program, where=where)
    vm = store.load(program, tier1 or get_vm(), where=where)
    assert vm is not None, "tier-2 library did not load"
    return vm


def compare(source: bytes, filename: str, where: str, stdin: bytes = b"", max_heap=None,
            machines=None):
    """(tier-1 outcome, tier-2 outcome, the Tier2VM, the counting tier 1);
    `max_heap` for both runs; their Machines are appended to `machines`."""
    one = outcome(api.compile_source(source, filename), get_vm(), stdin, max_heap, machines)
    program = api.compile_source(source, filename)
    counting = CountingVM(get_vm())
    vm = tier2_vm(program, where, counting)
    two = outcome(program, vm, stdin, max_heap, machines)
    return one, two, vm, counting


def strip_timing(stdout: bytes) -> bytes:
    """Benchmark programs print their own timing on a last line."""
    return b"".join(line for line in stdout.splitlines(keepends=True)
                    if not line.startswith(b"work_seconds="))


def compare_file(path, where: str):
    path = Path(path)
    stdin_file = path.with_suffix(".stdin")
    stdin = stdin_file.read_bytes() if stdin_file.exists() else b""
    return compare(path.read_bytes(), str(path), where, stdin)
