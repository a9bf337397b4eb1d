"""`use strings` (issue 16): the VM's string functions (orus/jit/strlib.py)
against Python's bytes methods on random inputs, the instructions' safety
(verifier window, bad function numbers, bad handles), the heap limit with
repeat, and the search's worst cases (linear time)."""

import random
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import orus
from orus.bytecode import opcodes as O
from orus.jit import strlib as S

sys.path.insert(0, str(Path(__file__).resolve().parent))


def lit(b: bytes) -> str:
    """An Orus expression for the bytes b (escapes, chr() for bytes >= 128)."""
    parts = []
    for byte in b:
        if byte >= 128 or byte < 32 and byte not in (9, 10, 13):
            parts.append("chr(%d)" % byte)
        else:
            ch = {9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 92: "\\\\"}.get(byte, chr(byte))
            parts.append('"%s"' % ch)
    return "(" + " + ".join(parts) + ")" if parts else '""'


def run(source: str) -> bytes:
    result = orus.run_source(source)
    assert result.status == 0, result.stderr
    return result.stdout_bytes


def py_replace(s, old, new):
    return s.replace(old, new)


ALPHABETS = [b"ab", b"abc", b"a\xff", b"aab", bytes(range(250, 256)), b"ab ", b" \t\nxY", b"aA\xe9"]


def random_cases(seed, count):
    rnd = random.Random(seed)
    cases = []
    for _ in range(count):
        alpha = rnd.choice(ALPHABETS)
        n = rnd.choice([rnd.randint(0, 12), rnd.randint(0, 60)])
        m = rnd.randint(0, 5)
        text = bytes(rnd.choice(alpha) for _ in range(n))
        pat = bytes(rnd.choice(alpha) for _ in range(m))
        if rnd.random() < 0.3 and n:
            i = rnd.randint(0, n)
            pat = text[i:i + m]
        new = bytes(rnd.choice(alpha) for _ in range(rnd.randint(0, 3)))
        cases.append((text, pat, new))
    return cases


def test_every_function_agrees_with_python_bytes_methods():
    cases = random_cases(16, 400)
    lines = ["use strings", "fn show(xs: [string]) -> string:",
             "    mut out = \"\"", "    for x in xs:", "        out += \"<\" + x + \">\"",
             "    return out"]
    expected = []
    for text, pat, new in cases:
        t, p, w = lit(text), lit(pat), lit(new)
        lines.append("print(strings.find(%s, %s), strings.contains(%s, %s), "
                     "strings.starts_with(%s, %s), strings.ends_with(%s, %s))"
                     % (t, p, t, p, t, p, t, p))
        expected.append(b"%d %s %s %s" % (text.find(pat), str(pat in text).lower().encode(),
                                          str(text.startswith(pat)).lower().encode(),
                                          str(text.endswith(pat)).lower().encode()))
        lines.append("print(\"[\" + strings.replace(%s, %s, %s) + \"]\")" % (t, p, w))
        expected.append(b"[" + text.replace(pat, new) + b"]")
        if pat:
            lines.append("print(show(strings.split(%s, %s)))" % (t, p))
            expected.append(b"".join(b"<" + x + b">" for x in text.split(pat)))
            lines.append("print(\"[\" + strings.join(strings.split(%s, %s), %s) + \"]\")"
                         % (t, p, w))
            expected.append(b"[" + new.join(text.split(pat)) + b"]")
        lines.append("print(\"[\" + strings.upper(%s) + \"|\" + strings.lower(%s) + \"|\" + "
                     "strings.trim(%s) + \"|\" + strings.trim_start(%s) + \"|\" + "
                     "strings.trim_end(%s) + \"]\")" % (t, t, t, t, t))
        expected.append(b"[" + text.upper() + b"|" + text.lower() + b"|" + text.strip()
                        + b"|" + text.lstrip() + b"|" + text.rstrip() + b"]")
        lines.append("print(\"[\" + strings.repeat(%s, %d) + \"]\")" % (t, len(pat)))
        expected.append(b"[" + text * len(pat) + b"]")
    out = run("\n".join(lines) + "\n")
    got = out.split(b"\n")
    want = (b"\n".join(expected) + b"\n").split(b"\n")
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, (i, g, w)
    assert len(got) == len(want)


INTS = ["0", "-0", "+0", "42", "-42", "+42", "007", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999", "", "+", "-", "1a", "a1", " 1", "1 ", "1_000", "--1", "+-1",
        "1.0", "\u0661"]
FLOATS = ["0", "1", "-1.5", "+.5", "5.", "1e10", "1E-5", "2.5e+3", "1e308", "1.7976931348623157e308",
          "1.8e308", "1e400", "-1e400", "1e-400", "4.9e-324", "", ".", "e5", "1e", "1e+",
          "1.2.3", " 1", "1 ", "inf", "nan", "1_0", "0x10", "--1", "1e5.5", "0.1", "123456789.123456789e-5"]


def _py_int(s):
    import re
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        return None
    v = int(s)
    return v if -2**63 <= v < 2**63 else None


def _py_float(s):
    import math
    import re
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", s):
        return None
    v = float(s)
    return v if math.isfinite(v) else None


def test_parse_int_and_parse_float():
    lines = ["use strings"]
    for s in INTS:
        lines.append("match strings.parse_int(%s):" % lit(s.encode()))
        lines.append("    Result.Ok(v) ->\n        n: i64 = v\n        print(\"ok\", n)")
        lines.append("    Result.Err(m) -> print(\"err\", m)")
    for s in FLOATS:
        lines.append("match strings.parse_float(%s):" % lit(s.encode()))
        lines.append("    Result.Ok(v) ->\n        f: f64 = v\n        print(\"ok\", f == %s)"
                     % (repr(_py_float(s)) if _py_float(s) is not None else "0.5"))
        lines.append("    Result.Err(m) -> print(\"err\", m)")
    out = run("\n".join(lines) + "\n").decode().splitlines()
    i = 0
    for s in INTS:
        v = _py_int(s)
        if v is None:
            assert out[i].startswith("err "), (s, out[i])
        else:
            assert out[i] == "ok %d" % v, (s, out[i])
        i += 1
    for s in FLOATS:
        v = _py_float(s)
        if v is None:
            assert out[i].startswith("err "), (s, out[i])
        else:
            assert out[i] == "ok true", (s, out[i])
        i += 1
    assert "err cannot parse integer from empty string" in out
    assert "err number too large to fit in i64" in out
    assert "err number too small to fit in i64" in out
    assert "err invalid digit found in string" in out
    assert "err number out of range for f64" in out
    assert "err invalid float literal" in out


def _hb(text, pat):
    return np.frombuffer(text + pat, dtype=np.uint8).copy()


def test_search_matches_python_on_many_random_needles():
    rnd = random.Random(5)
    for _ in range(20000):
        alpha = rnd.choice(ALPHABETS)
        n = rnd.choice([rnd.randint(0, 30), rnd.randint(0, 300)])
        m = rnd.randint(0, 9)
        text = bytes(rnd.choice(alpha) for _ in range(n))
        pat = bytes(rnd.choice(alpha) for _ in range(m))
        if rnd.random() < 0.3 and n:
            i = rnd.randint(0, n)
            pat = text[i:i + m]
        hb = _hb(text, pat)
        assert S.find_first(hb, 0, n, n, len(pat)) == text.find(pat), (text, pat)


@pytest.mark.parametrize("text,pat", [
    (b"a" * 2_000_000, b"a" * 1000 + b"b"),
    (b"ab" * 1_000_000, b"ab" * 500 + b"b"),
    (b"a" * 2_000_000, b"b" + b"a" * 999),
    (b"a" * 2_000_000, b"ba" * 400),
    ((b"a" * 999 + b"b") * 2000, b"a" * 1000 + b"c"),
])
def test_search_is_linear_on_bad_needles(text, pat):
    hb = _hb(text, pat)
    S.find_first(hb, 0, 10, len(text), len(pat))          # compiled
    t = time.perf_counter()
    r = S.find_first(hb, 0, len(text), len(text), len(pat))
    assert r == text.find(pat)
    assert time.perf_counter() - t < 1.0          # quadratic would be minutes


def test_repeat_past_the_heap_limit_is_out_of_memory():
    src = ('use strings\nprint("start")\ns = strings.repeat("abcdefgh", 100000000)\n'
           'print(len(s))\n')
    result = orus.run_source(src, max_heap="64M")
    assert result.status == 70
    assert result.stdout == "start\n"
    assert "out of memory" in result.stderr and ":3:" in result.stderr
    assert "Traceback" not in result.stderr
    caught = ('use strings\ntry:\n    s = strings.repeat("ab", 2147483647)\n    print(len(s))\n'
              'catch e:\n    print("caught", e)\nprint(len(strings.repeat("ab", 1000)))\n')
    result = orus.run_source(caught, max_heap="64M")
    assert result.status == 0, result.stderr
    assert result.stdout == "caught Error: out of memory\n2000\n"


def test_split_and_join_grow_the_heap_and_survive_collections():
    src = ('use strings\nmut total = 0\nfor i in 0..40:\n'
           '    words = strings.split(strings.repeat("w" + (i as string) + " ", 20000), " ")\n'
           '    total += len(words)\n'
           '    back = strings.join(words, "-")\n'
           '    total += len(back)\nprint(total)\n')
    expected = sum(20001 + len(("w%d " % i) * 20000) for i in range(40))
    assert run(src) == b"%d\n" % expected


def test_function_values_and_direct_calls_are_the_instructions():
    from orus.api import compile_source
    from orus.bytecode.disasm import disassemble
    program = compile_source(b'use strings\nprint(strings.find("abc", "c"))\n'
                             b'f = strings.split\nprint(len(f("a b", " ")))\n')
    text = disassemble(program)
    main = text.split("fn ")[1]
    assert "STR2" in main and "CALL " not in main.replace("CALLV", "")
    assert run('use strings\nf = strings.split\nprint(len(f("a b c", " ")))\n') == b"3\n"


def test_instruction_window_and_bad_operands_fail_safely():
    from asm import assemble
    from orus.api import run_program, verify
    from orus.bytecode.program import BytecodeError
    from orus.errors import OrusRuntimeError
    bad = assemble("""
    fn main regs=3
        LOADS 1 "a"
        STR3 0 1 0
        HALT
    """)
    with pytest.raises(BytecodeError):
        verify(bad)
    for body in ('LOADS 1 "a"\n        STR1 0 1 999', 'LOADI 1 99999999\n        STR1 0 1 0',
                 'LOADI 1 99999999\n        LOADS 2 ","\n        STR2 0 1 1',
                 'LOADS 1 "a"\n        LOADI 2 99999999\n        STR2 0 1 0',
                 'LOADS 1 "a"\n        LOADS 2 "b"\n        LOADI 3 99999999\n        STR3 0 1 0'):
        program = assemble("""
    fn main regs=4 handles=0,1,2,3
        %s
        HALT
    """ % body)
        verify(program)
        with pytest.raises(OrusRuntimeError, match="internal error"):
            run_program(program, lambda b: None)


def test_names_and_signatures_cover_every_function():
    from orus.frontend.checker.calls import STR_SIGNATURES
    assert set(STR_SIGNATURES) == set(O.STR1_NAMES + O.STR2_NAMES + O.STR3_NAMES)


@pytest.mark.parametrize("to_upper", [True, False], ids=["upper", "lower"])
def test_case_change_touches_only_ascii_letters_at_every_length(to_upper):
    # every byte value, at lengths and offsets around the vector width, so the
    # vectorised loops' bodies and remainders all see every byte
    from orus.bytecode import protocol as P
    data = bytes(range(256)) * 3
    hbytes = np.zeros(4 * len(data) + 1000, np.uint8)
    hbytes[:len(data)] = np.frombuffer(data, np.uint8)
    hobj = np.zeros((1000, P.H_COLS), np.int64)
    hslots = np.zeros(16, np.int64)
    state = np.zeros(P.S_SIZE, np.int64)
    state[P.S_FREE] = -1
    state[P.S_GC_LIMIT] = 1 << 40
    checked = 0
    for start in (0, 1, 7, 65, 97, 250):
        for n in (0, 1, 31, 32, 33, 64, 100, 255, 256, 300, 511):
            if start + n > len(data):
                continue
            state[P.S_NBYTES] = len(data)       # results go above the text, every time
            state[P.S_NOBJ] = 0
            h = S.new_string_object(hobj, state, start, n, -1)
            r, err, rc = S.change_case(hobj, hbytes, hslots, state, h, to_upper)
            assert err == S.OK and rc == S.ROOM_OK
            off, ln = hobj[r, P.H_OFF], hobj[r, P.H_LEN]
            got = hbytes[off:off + ln].tobytes()
            text = data[start:start + n]
            assert got == (text.upper() if to_upper else text.lower()), (start, n)
            checked += 1
    assert checked > 50
