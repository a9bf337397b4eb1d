"""`use strings` against CPython's str methods on the same 10 MB text, in one process.

    PYTHONPATH=. .venv/bin/python benchmarks/strings_lib.py [--mb 10] [--rounds 5]

The text (ASCII words from a fixed list, chosen by an LCG, separated by
single spaces, plus "needle" at the very end) is made in Python and handed to
the Orus program on stdin; the program times each operation itself with
timestamp() (the front end, the VM start and reading the text are not
counted) and prints its time and a check value, `--rounds` times in one run
(one VM and heap for all rounds, as the Python rounds share this process);
the same operations run on the same text as CPython `str` methods, timed with
time.perf_counter.  Both sides run in this process (orus.run_source), twice,
in alternating order; the table shows the fastest round of each and the
ratio CPython / Orus (> 1: Orus is faster), and the medians: a garbage
collection lands in whichever Orus operation allocates when it is due (with
millions of words from each split, that is split+join itself from the third
round on), and the first rounds grow the heap, so the
medians show what the fastest rounds leave out.  The check values must agree.

    split+join   words = split(text, " "); join(words, " ") == text
    find         find(text, "needle")        (the whole text is scanned)
    find_all     count "lazy dog" with find() on the rest, moving past each
    upper        upper(text)
    fnv1a        FNV-1a 64-bit over every byte, a loop in the language itself
                 (Orus: ord(text[i]) as u64, ^, *; CPython: for c in text)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orus  # noqa: E402

WORDS = ("the quick brown fox jumps over the lazy dog lorem ipsum dolor sit amet "
         "consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore").split()

ORUS = """
use strings

fn fnv1a(text: string) -> u64:
    mut h: u64 = 14695981039346656037u64
    for i in 0..len(text):
        h = (h ^ (ord(text[i]) as u64)) * 1099511628211
    return h

fn find_all(text: string, word: string) -> i32:
    mut rest = text
    mut count = 0
    while true:
        k = strings.find(rest, word)
        if k < 0:
            break
        count += 1
        rest = rest[k + (len(word) as i64)..len(rest)]
    return count

fn main():
    text = input()
    for r in 0..ROUNDS:
        mut t = timestamp()
        words = strings.split(text, " ")
        same = strings.join(words, " ") == text
        print("split+join", timestamp() - t, len(words), same)
        t = timestamp()
        k = strings.find(text, "needle")
        print("find", timestamp() - t, k)
        t = timestamp()
        n = find_all(text, "lazy dog")
        print("find_all", timestamp() - t, n)
        t = timestamp()
        up = strings.upper(text)
        print("upper", timestamp() - t, len(up), strings.ends_with(up, "NEEDLE"))
        t = timestamp()
        h = fnv1a(text)
        print("fnv1a", timestamp() - t, h)

main()
"""


def make_text(mb: int) -> str:
    x = 12345
    out = []
    size = 0
    while size < mb * 1_000_000 - 10:
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        w = WORDS[(x >> 33) % len(WORDS)]
        out.append(w)
        size += len(w) + 1
    out.append("needle")
    return " ".join(out)


def fnv1a(text: str) -> int:
    h = 14695981039346656037
    for c in text:
        h = ((h ^ ord(c)) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def find_all(text: str, word: str) -> int:
    count = 0
    i = text.find(word)
    while i >= 0:
        count += 1
        i = text.find(word, i + len(word))
    return count


def python_round(text: str) -> dict:
    res = {}
    t = time.perf_counter()
    words = text.split(" ")
    same = " ".join(words) == text
    res["split+join"] = (time.perf_counter() - t, "%d %s" % (len(words), str(same).lower()))
    t = time.perf_counter()
    k = text.find("needle")
    res["find"] = (time.perf_counter() - t, str(k))
    t = time.perf_counter()
    n = find_all(text, "lazy dog")
    res["find_all"] = (time.perf_counter() - t, str(n))
    t = time.perf_counter()
    up = text.upper()
    res["upper"] = (time.perf_counter() - t, "%d %s" % (len(up), str(up.endswith("NEEDLE")).lower()))
    t = time.perf_counter()
    h = fnv1a(text)
    res["fnv1a"] = (time.perf_counter() - t, str(h))
    return res


def orus_rounds(text: str, rounds: int) -> list:
    """One run of the Orus program doing every operation `rounds` times (one
    VM and heap for all rounds, as the Python rounds share one process)."""
    source = ORUS.replace("ROUNDS", str(rounds))
    result = orus.run_source(source, "strings_lib.orus", stdin=text.encode() + b"\n")
    if result.status != 0:
        raise SystemExit(result.stderr)
    out = []
    for line in result.stdout.splitlines():
        name, seconds, *check = line.split()
        if name == "split+join":
            out.append({})
        out[-1][name] = (float(seconds), " ".join(check))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    text = make_text(args.mb)
    best = {"orus": {}, "python": {}}
    every = {"orus": {}, "python": {}}
    checks = {"orus": {}, "python": {}}
    for r in range(2):                      # two passes, the order swapped
        for side in (("orus", "python") if r % 2 == 0 else ("python", "orus")):
            if side == "orus":
                results = orus_rounds(text, args.rounds)
            else:
                results = [python_round(text) for _ in range(args.rounds)]
            for res in results:
                for name, (sec, check) in res.items():
                    best[side][name] = min(sec, best[side].get(name, sec))
                    every[side].setdefault(name, []).append(sec)
                    checks[side][name] = check
    print("text: %d bytes, 2 x %d rounds, fastest round of each" % (len(text), args.rounds))
    print("| operation | Orus ms | CPython ms | CPython / Orus | Orus median ms | CPython median ms"
          " | median ratio | check |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    ok = True
    for name in best["python"]:
        o, p = best["orus"][name], best["python"][name]
        same = checks["orus"][name] == checks["python"][name]
        ok = ok and same
        mo = statistics.median(every["orus"][name])
        mp = statistics.median(every["python"][name])
        print("| %s | %.1f | %.1f | %.1fx | %.1f | %.1f | %.1fx | %s |" % (
            name, 1000 * o, 1000 * p, p / o, 1000 * mo, 1000 * mp, mp / mo,
            "same" if same else "DIFFERENT: %s vs %s" % (checks["orus"][name],
                                                         checks["python"][name])))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
