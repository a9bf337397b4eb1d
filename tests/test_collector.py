"""The collector inside the VM (orus/jit/collector.py) against a reference.

Programs that allocate (strings sharing bytes and regions, substrings, arrays
of handles, records, closures, bool arrays) run with a YIELD every few
hundred backward jumps; at each one the heap is marked, then swept and
compacted twice: by the VM's collector in place, and by the previous numpy
implementation (tests/reference_gc.py) on a copy.  Every array must come out
identical, and the program must still print its expected output -- so a
collection at any of these points loses nothing and moves everything
consistently.
"""

import numpy as np
import pytest

import orus
from orus.bytecode import protocol as P
from orus.host.machine import Machine

import corpus
import reference_gc

EVERY = 97                     # backward jumps / calls between checked collections


class _Copy:
    """The heap arrays of a machine, copied (what reference_gc works on)."""

    def __init__(self, m):
        self.hobj, self.hbytes = m.hobj.copy(), m.hbytes.copy()
        self.hslots, self.state = m.hslots.copy(), m.state.copy()


class CheckingMachine(Machine):
    """Collects at every YIELD with both collectors and compares them."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.to_numpy()
        self.checked = 0
        self.state[P.S_BUDGET] = EVERY

    def _serve(self, status):
        if status == P.YIELD:
            self._collect_both()
        else:
            super()._serve(status)
        self.state[P.S_BUDGET] = EVERY

    def _collect_both(self):
        from orus.jit.collector import collect, gc_mark
        st = self.state
        gc_mark(self.hobj, self.hslots, st, self.regs, self.frames, self.program.funcs,
                self.program.regkinds, self.gcstack, st[P.S_BASE], st[P.S_FN], st[P.S_DEPTH])
        ref = _Copy(self)
        reference_gc.sweep_and_compact(ref)
        collect(self.hobj, self.hbytes, self.hslots, st, self.gcstack)
        n, nb, ns = int(st[P.S_NOBJ]), int(st[P.S_NBYTES]), int(st[P.S_NSLOTS])
        assert np.array_equal(st, ref.state)
        assert np.array_equal(self.hobj[:n], ref.hobj[:n])
        assert not self.hobj[n:].any()
        assert np.array_equal(self.hbytes[:nb], ref.hbytes[:nb])
        assert np.array_equal(self.hslots[:ns], ref.hslots[:ns])
        self.checked += 1


def _programs():
    paths = corpus.own_programs(kind="out")
    paths += corpus.spec_programs("strings", "arrays", "structs", "enums", "builtins", "match",
                                  "errors_handling", kind="out")
    return [p for p in paths if not corpus.reads_input(p)]


PROGRAMS = _programs()


def test_there_are_programs_to_check():
    assert len(PROGRAMS) > 40


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: "%s/%s" % (p.parent.name, p.stem))
def test_collections_anywhere_match_the_reference_and_keep_the_output(path):
    from orus.jit import get_vm
    program = orus.compile_source(path.read_bytes(), str(path))
    out = []
    machine = CheckingMachine(program, get_vm(), out.append)
    try:
        machine.run()
    except orus.OrusRuntimeError:
        pass                                    # expected by some programs; output compared
    assert b"".join(out).decode() == path.with_suffix(".out").read_text()


def test_a_heavy_mix_is_collected_hundreds_of_times():
    src = """
struct Box:
    name: string
    items: [string]
fn make(i: i32) -> Box:
    mut items: [string] = []
    for k in 0..(i % 5):
        push(items, (k as string) + ":" + (i as string))
    return Box{name: "box" + (i as string), items: items}
mut keep: [Box] = []
mut text = ""
mut flags: [bool] = []
for i in 0..3000:
    b = make(i)
    if i % 7 == 0:
        push(keep, b)
    text = text + b.name[0..2] + ","
    if len(text) > 400:
        text = text[200..len(text)]
    push(flags, i % 3 == 0)
    f = fn(x: i32) -> string:
        return b.name + (x as string)
    if i % 500 == 0:
        print(f(i), len(keep), len(flags))
mut total = 0
for b in keep:
    total += len(b.items) + len(b.name)
print(total, len(text), text[0..10])
"""
    from orus.jit import get_vm
    expected = orus.run_source(src)
    assert expected.status == 0, expected.stderr
    program = orus.compile_source(src)
    out = []
    machine = CheckingMachine(program, get_vm(), out.append)
    machine.run()
    assert b"".join(out).decode() == expected.stdout
    assert machine.checked > 100
