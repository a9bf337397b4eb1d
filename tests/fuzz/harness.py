"""Comparison of one fuzz program's Orus run with the oracle's expectation
(used by tests/test_fuzz_programs.py and benchmarks/fuzz_programs.py), and
the golden files of discrepancies found (tests/fuzz/found/NAME.orus +
NAME.expected)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402

FOUND = os.path.join(os.path.dirname(os.path.abspath(__file__)), "found")

# Discrepancies already reported (tests/fuzz/found/): a mismatch of this shape
# is an expected failure of the implementation, not news.
# (name of the golden file, predicate on (expected, RunResult))
KNOWN_BUGS = [
    # Fixed: u64 index/slice bounds >= 2^63 were reported as negative
    # (found/u64_*; the compiler now saturates them to i64's maximum).
]


def run_orus(source):
    import orus
    return orus.run_source(source, filename="fuzz.orus")


def mismatch(expected, result):
    """None when the run matches, else a short description of the difference."""
    problems = []
    if result.status != expected.status:
        problems.append("status: orus %d, expected %d" % (result.status, expected.status))
    if result.stdout != expected.stdout:
        a, b = result.stdout.splitlines(), expected.stdout.splitlines()
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else "<missing>"
            y = b[i] if i < len(b) else "<missing>"
            if x != y:
                problems.append("stdout line %d: orus %r, expected %r" % (i + 1, x, y))
                break
        else:
            problems.append("stdout differs (trailing newline?)")
    if expected.status == 70 and result.status == 70:
        err = result.error
        if err.message != expected.message:
            problems.append("error message: orus %r, expected %r" % (err.message, expected.message))
        if err.line != expected.line:
            problems.append("error line: orus %d, expected %d" % (err.line, expected.line))
    elif result.status != expected.status:
        if expected.status == 70:
            problems.append("expected error: %r at line %d" % (expected.message, expected.line))
        if result.stderr:
            problems.append("orus stderr:\n" + result.stderr)
    return "\n".join(problems) or None


def known_bug(expected, result):
    """Name of the known discrepancy this mismatch is an instance of, or None."""
    for name, pred in KNOWN_BUGS:
        try:
            if pred(expected, result):
                return name
        except Exception:
            pass
    return None


def check(seed):
    """(program, RunResult, description of the mismatch or None)."""
    prog = generate.generate(seed)
    result = run_orus(prog.source)
    return prog, result, mismatch(prog.expected, result)


def describe(seed, prog, problem):
    return "fuzz seed %s: %s\n--- program (python tests/fuzz/generate.py %s) ---\n%s" % (
        seed, problem, seed, prog.source)


# ---------------------------------------------------------------- golden files
def expected_text(expected, comment):
    """The .expected file: '#' comment lines, status, message, line, then stdout."""
    out = ["# " + line for line in comment.splitlines()]
    out.append("status: %d" % expected.status)
    if expected.status == 70:
        out.append("message: %s" % expected.message)
        out.append("line: %d" % expected.line)
    out.append("stdout:")
    return "\n".join(out) + "\n" + expected.stdout


class Golden:
    def __init__(self, status, message, line, stdout, comment):
        self.status, self.message, self.line = status, message, line
        self.stdout, self.comment = stdout, comment


def read_expected(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    head, _, stdout = text.partition("stdout:\n")
    status, message, line, comment = 0, None, None, []
    for raw in head.splitlines():
        if raw.startswith("#"):
            comment.append(raw[1:].strip())
            continue
        key, _, value = raw.partition(":")
        value = value.strip()
        if key == "status":
            status = int(value)
        elif key == "message":
            message = value
        elif key == "line":
            line = int(value)
    return Golden(status, message, line, stdout, " ".join(comment))


def write_golden(name, source, expected, comment):
    os.makedirs(FOUND, exist_ok=True)
    base = os.path.join(FOUND, name)
    with open(base + ".orus", "w", encoding="utf-8") as fh:
        fh.write(source)
    with open(base + ".expected", "w", encoding="utf-8") as fh:
        fh.write(expected_text(expected, comment))
    return base
