"""Cross-language benchmark: the same workloads in Orus, CPython, Lua and JavaScript.

    .venv/bin/python benchmarks/compare.py [--rounds 5] [--workloads fib,sieve]
        [--languages orus,python] [--timeout 180] [--orus "CMD"] [--orus-label TEXT]
        [--out DIR] [--no-chart]

Every workload is `benchmarks/programs/NAME.{orus,py,lua,js}` with its expected
stdout in `NAME.out`.  Each program times its own work and prints it on a last
line `work_seconds=S`, which is stripped before the output is compared.

Two sets of workloads: in `NAME` the work is inside functions (locals); in
`NAME_top` the same work is written as top-level code over global variables,
as a script writer would (issue 17).  Each set has its own geometric means.
`fib` has no top-level variant: its work is the recursion, which needs a
function in every language, so `fib_top` would differ from `fib` only by the
one call of `main`.

The (workload, language) pairs run interleaved, round after round (the order
of the languages rotates each round), so a noisy moment of the machine hurts
all of them alike.  Reported: medians of the whole-process wall time and of the
in-process work time, the ratios to CPython, geometric means, and the issue's
targets.  Written to `benchmarks/results/latest.{md,json,png}` (the chart needs
matplotlib; without it the chart is skipped with a note).

A missing interpreter becomes a skipped column with a note; a program that
fails, prints the wrong output or times out becomes an error cell.  Once a pair
has failed it is not run again in later rounds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "benchmarks" / "programs"
RESULTS = ROOT / "benchmarks" / "results"

FUNCTION_WORKLOADS = ["arith_loop", "control_flow", "fib", "sieve", "matmul", "sort", "strings"]
TOP_SUFFIX = "_top"                    # the same work as top-level code over globals (issue 17)
TOP_LEVEL_WORKLOADS = [w + TOP_SUFFIX for w in FUNCTION_WORKLOADS if w != "fib"]
WORKLOADS = FUNCTION_WORKLOADS + TOP_LEVEL_WORKLOADS + ["hello"]
STARTUP_WORKLOADS = {"hello"}          # work is one print: excluded from work-time targets
STRING_WORKLOAD = "strings"            # the target allows 1.5x CPython here
LUA = "lua5.4"                         # issue 17 compares Orus with Lua 5.4 in-process
LUA_LIMIT = 1.5                        # issue 17: each workload within 1.5x of Lua 5.4
WALL_TARGET_WORKLOADS = ["fib", "sieve", "sort"]
BASELINE = "python"
WORK_LINE = re.compile(r"^work_seconds=(\S+)\s*$")
RECOMPILE_NOTICE = "compiling the VM"  # an Orus run that had to build its VM first


@dataclass
class Language:
    """One column of the table: how to run a program of this language."""
    name: str
    label: str
    ext: str
    argv: list[str]
    version_argv: list[str] | None = None
    available: bool = True
    version: str = ""
    note: str = ""


@dataclass
class Cell:
    """All samples of one (workload, language) pair."""
    wall: list[float] = field(default_factory=list)
    work: list[float] = field(default_factory=list)
    status: str = "ok"                 # ok | error | mismatch | timeout | missing | skipped
    detail: str = ""
    reruns: int = 0

    @property
    def failed(self) -> bool:
        return self.status != "ok"

    def median(self, kind: str) -> float | None:
        samples = self.wall if kind == "wall" else self.work
        return statistics.median(samples) if samples and not self.failed else None


# ---------------------------------------------------------------- languages

def default_languages(orus_cmd: list[str]) -> list[Language]:
    """The five columns; the CPython one is the interpreter Orus itself runs on."""
    python = getattr(sys, "_base_executable", None) or sys.executable
    return [
        Language("orus", "Orus", ".orus", orus_cmd + ["run"]),
        Language("python", "CPython %d.%d.%d" % sys.version_info[:3], ".py", [python],
                 [python, "--version"]),
        Language("lua5.4", "Lua 5.4", ".lua", ["lua5.4"], ["lua5.4", "-v"]),
        Language("luajit", "LuaJIT", ".lua", ["luajit"], ["luajit", "-v"]),
        Language("node", "Node.js", ".js", ["node"], ["node", "--version"]),
    ]


def probe(lang: Language) -> None:
    """Mark a language unavailable when its command is missing; record its version."""
    if shutil.which(lang.argv[0]) is None:
        lang.available = False
        lang.note = "`%s` not found: column skipped" % lang.argv[0]
        return
    if lang.version_argv:
        text = first_line(run_quietly(lang.version_argv))
        lang.version = re.split(r"\s+(?:--\s+)?Copyright", text)[0]


def run_quietly(argv: list[str], timeout: float = 600, cwd: Path | None = None) -> str:
    """stdout + stderr of a helper command ('' if it cannot run)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout + done.stderr


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def warm_orus(lang: Language) -> None:
    """`orus warm-cache` outside the timings (cheap when the cache is valid)."""
    if not lang.available:
        return
    text = run_quietly(lang.argv[:-1] + ["warm-cache"])
    if "cache valid" not in text and "ready" not in text:
        lang.note = "warm-cache said: " + " / ".join(text.strip().splitlines()[-2:])


def describe_orus(lang: Language) -> None:
    """Version of Orus = the git commit of the checkout (with a dirty flag)."""
    commit = first_line(run_quietly(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT))
    dirty = run_quietly(["git", "status", "--porcelain", "--untracked-files=no", "orus"], cwd=ROOT)
    lang.version = "git %s%s" % (commit or "?", " + uncommitted changes in orus/" if dirty.strip() else "")


# ---------------------------------------------------------------- running

def run_once(lang: Language, workload: str, timeout: float) -> tuple[str, float, float | None, str]:
    """Run one program: (status, wall seconds, work seconds, detail)."""
    program = PROGRAMS / (workload + lang.ext)
    if not program.exists():
        return "missing", 0.0, None, "no %s" % program.name
    start = time.perf_counter()
    try:
        done = subprocess.run(lang.argv + [str(program)], capture_output=True,
                              timeout=timeout, cwd=PROGRAMS)
    except subprocess.TimeoutExpired:
        return "timeout", timeout, None, "killed after %g s" % timeout
    wall = time.perf_counter() - start
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    if RECOMPILE_NOTICE in stderr:
        return "recompiled", wall, None, first_line(stderr)
    if done.returncode != 0:
        return "error", wall, None, "exit %d: %s" % (done.returncode, last_lines(stderr or stdout))
    output, work = split_work_line(stdout)
    expected = (PROGRAMS / (workload + ".out")).read_text()
    if output != expected:
        return "mismatch", wall, work, "got %r" % output[:200]
    if work is None:
        return "error", wall, None, "no work_seconds= line"
    return "ok", wall, work, ""


def last_lines(text: str, count: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-count:])


def split_work_line(stdout: str) -> tuple[str, float | None]:
    """Remove the `work_seconds=` line; return (the rest of stdout, the seconds)."""
    kept, work = [], None
    for line in stdout.splitlines(keepends=True):
        match = WORK_LINE.match(line)
        if match:
            work = float(match.group(1))
        else:
            kept.append(line)
    return "".join(kept), work


def run_pair(cell: Cell, lang: Language, workload: str, timeout: float) -> None:
    """One sample for a pair; a run that had to rebuild the VM is repeated once."""
    status, wall, work, detail = run_once(lang, workload, timeout)
    if status == "recompiled":
        cell.reruns += 1
        status, wall, work, detail = run_once(lang, workload, timeout)
    if status != "ok":
        cell.status, cell.detail = status, detail
        return
    cell.wall.append(wall)
    cell.work.append(work)


def run_rounds(langs: list[Language], workloads: list[str], rounds: int,
               timeout: float) -> dict[str, dict[str, Cell]]:
    """All rounds, interleaved; the language order rotates from round to round."""
    cells = {w: {lang.name: Cell() for lang in langs} for w in workloads}
    for w in workloads:
        for lang in langs:
            if not lang.available:
                cells[w][lang.name].status = "skipped"
    active = [lang for lang in langs if lang.available]
    for r in range(rounds):
        for lang in active:
            if lang.name == "orus":
                warm_orus(lang)
        order = active[r % len(active):] + active[:r % len(active)] if active else []
        started = time.perf_counter()
        for w in workloads:
            for lang in order:
                cell = cells[w][lang.name]
                if not cell.failed:
                    run_pair(cell, lang, w, timeout)
        print("round %d/%d done in %.1f s" % (r + 1, rounds, time.perf_counter() - started),
              file=sys.stderr, flush=True)
    return cells


# ---------------------------------------------------------------- summaries

def ratio(cells: dict[str, Cell], lang: str, base: str, kind: str) -> float | None:
    """Median of `lang` divided by the median of `base` (None if either failed)."""
    if lang not in cells or base not in cells:
        return None
    mine, theirs = cells[lang].median(kind), cells[base].median(kind)
    if mine is None or theirs is None or theirs <= 0:
        return None
    return mine / theirs


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def geomean_ratio(table, lang: str, base: str, kind: str, workloads: list[str]):
    """Geometric mean over the workloads of lang/base; (value, workloads used)."""
    used = [w for w in workloads if ratio(table[w], lang, base, kind) is not None]
    return geomean([ratio(table[w], lang, base, kind) for w in used]), used


def work_workloads(workloads: list[str]) -> list[str]:
    return [w for w in workloads if w not in STARTUP_WORKLOADS]


def is_top_level(workload: str) -> bool:
    return workload.endswith(TOP_SUFFIX)


def workload_sets(workloads: list[str]) -> list[tuple[str, list[str]]]:
    """The non-empty sets among the work workloads: (name, workloads), functions first."""
    work = work_workloads(workloads)
    sets = [("in functions", [w for w in work if not is_top_level(w)]),
            ("top level", [w for w in work if is_top_level(w)])]
    return [(name, chosen) for name, chosen in sets if chosen]


def evaluate_targets(table, workloads: list[str]) -> list[dict]:
    """The issues' targets, each with its figure and whether it is met.

    Issue 7's targets stay on the workloads in functions (the set they were set
    for); issue 17's apply to both sets, each with its own geometric mean."""
    targets = []
    functions = [w for w in work_workloads(workloads) if not is_top_level(w)]
    for w in functions:
        limit = 1.5 if w == STRING_WORKLOAD else 1.0
        r = ratio(table[w], "orus", BASELINE, "work")
        targets.append({"issue": 7, "target": "work: Orus %s CPython on %s" % (
            "within 1.5x of" if limit > 1 else "faster than", w),
            "value": r, "limit": limit, "met": r is not None and r < limit})
    if functions:
        g, used = geomean_ratio(table, "orus", LUA, "work", functions)
        targets.append({"issue": 7, "target": "work: geometric mean Orus / Lua 5.4 (%d workloads)"
                        % len(used), "value": g, "limit": 1.5, "met": g is not None and g <= 1.5})
    if STRING_WORKLOAD in functions:
        others = [w for w in functions if w != STRING_WORKLOAD]
        g, used = geomean_ratio(table, "orus", LUA, "work", others)
        targets.append({"issue": 7, "target": "for information, the same without %s (%d workloads)"
                        % (STRING_WORKLOAD, len(used)), "value": g, "limit": 1.5, "met": None})
    for w in WALL_TARGET_WORKLOADS:
        if w in workloads:
            r = ratio(table[w], "orus", BASELINE, "wall")
            targets.append({"issue": 7, "target": "whole process: Orus faster than CPython on %s"
                            % w, "value": r, "limit": 1.0, "met": r is not None and r < 1.0})
    for name, chosen in workload_sets(workloads):
        for w in chosen:
            r = ratio(table[w], "orus", LUA, "work")
            targets.append({"issue": 17, "target": "work: Orus within 1.5x of Lua 5.4 on %s" % w,
                            "value": r, "limit": LUA_LIMIT,
                            "met": r is not None and r <= LUA_LIMIT})
        g, used = geomean_ratio(table, "orus", LUA, "work", chosen)
        targets.append({"issue": 17, "target": "work: geometric mean Orus / Lua 5.4, %s "
                        "(%d workloads)" % (name, len(used)), "value": g, "limit": 1.0,
                        "met": g is not None and g <= 1.0})
    return targets


# ---------------------------------------------------------------- reports

def format_ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    ms = seconds * 1000
    return "%.0f" % ms if ms >= 100 else "%.1f" % ms if ms >= 1 else "%.3f" % ms


def format_ratio(value: float | None) -> str:
    return "" if value is None else ("%.2f×" % value if value < 10 else "%.0f×" % value)


def cell_text(cell: Cell, kind: str) -> str:
    if cell.status == "skipped":
        return "—"
    if cell.failed:
        return "**%s**" % cell.status
    return format_ms(cell.median(kind))


def markdown_table(table, langs: list[Language], workloads: list[str], kind: str) -> str:
    """One table: a row per workload, a column per language, then Orus ÷ CPython
    and Orus ÷ Lua 5.4; a geometric-mean row per set of workloads."""
    names = [lang.name for lang in langs]
    bases = [b for b in (BASELINE, LUA) if b in names]
    head = (["workload"] + [lang.label for lang in langs]
            + ["Orus ÷ %s" % SHORT_LABELS[b] for b in bases])
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in workloads:
        cells = [cell_text(table[w][lang.name], kind) for lang in langs]
        cells += [format_ratio(ratio(table[w], "orus", b, kind)) for b in bases]
        rows.append("| %s | %s |" % (w, " | ".join(cells)))
    sets = workload_sets(workloads)
    if kind == "wall" and "hello" in workloads:     # start-up counts with the functions set
        if sets and sets[0][0] == "in functions":
            sets[0] = ("in functions", sets[0][1] + ["hello"])
        else:
            sets.insert(0, ("start-up", ["hello"]))
    for name, chosen in sets:
        means = []
        for lang in langs:
            g, used = geomean_ratio(table, lang.name, BASELINE, kind, chosen)
            means.append(format_ratio(g) if lang.available else "—")
        label = "geo. mean ÷ CPython" + (", " + name if len(sets) > 1 else "")
        rows.append("| %s | %s |%s" % (label, " | ".join(means), " |" * len(bases)))
    return "\n".join(rows)


SHORT_LABELS = {BASELINE: "CPython", LUA: "Lua 5.4"}


def markdown_report(table, langs, workloads, targets, meta) -> str:
    """The whole markdown report (also printed to stdout)."""
    parts = [
        "Median of %d rounds, milliseconds (lower is better); %s, %s."
        % (meta["rounds"], meta["machine"], meta["date"]),
        "",
        "**In-process work time** (each program's own timer; `hello` is start-up only and "
        "is left out of the geometric means; `NAME_top` is the work of `NAME` written as "
        "top-level code over globals, with its own geometric mean):",
        "",
        markdown_table(table, langs, workloads, "work"),
        "",
        "**Whole-process wall time** (start-up included; Orus with a warm cache%s):"
        % ("; `hello` counts in the geometric mean of the workloads in functions"
           if "hello" in workloads else ""),
        "",
        markdown_table(table, langs, workloads, "wall"),
        "",
    ]
    for issue in sorted({t["issue"] for t in targets}):
        parts += ["**Targets** (issue %d%s):" % (issue, ISSUE_NOTES.get(issue, "")), ""]
        parts += [target_line(t) for t in targets if t["issue"] == issue] + [""]
    parts += ["Versions: " + "; ".join(
        "%s: %s" % (lang.label, lang.version or "?") for lang in langs if lang.available)]
    notes = [lang.note for lang in langs if lang.note]
    notes += failure_notes(table, langs, workloads)
    if notes:
        parts += ["", "Notes:", ""] + ["- " + n for n in notes]
    return "\n".join(parts) + "\n"


ISSUE_NOTES = {7: ", on the workloads in functions",
               17: ", in-process, on both sets of workloads"}


def target_line(target: dict) -> str:
    """`- what: 0.78× (limit 1.00×) — met`, flagging results within 5% of the limit."""
    value, limit = target["value"], target["limit"]
    if value is None:
        return "- %s: n/a — **missed**" % target["target"]
    mark = {True: "met", False: "**missed**", None: "not a target"}[target["met"]]
    if target["met"] is not None and abs(value / limit - 1) < 0.05:
        mark += " (within 5% of the limit: a tie on a noisy machine)"
    return "- %s: %.3f× (limit %s) — %s" % (target["target"], value, format_ratio(limit), mark)


def failure_notes(table, langs, workloads) -> list[str]:
    notes = []
    for w in workloads:
        for lang in langs:
            cell = table[w][lang.name]
            if cell.failed and cell.status != "skipped":
                notes.append("%s / %s: %s (%s)" % (w, lang.label, cell.status, cell.detail))
            if cell.reruns:
                notes.append("%s / %s: %d run(s) repeated because the VM was being rebuilt"
                             % (w, lang.label, cell.reruns))
    return notes


def json_report(table, langs, workloads, targets, meta) -> dict:
    return {
        "meta": meta,
        "languages": {lang.name: {"label": lang.label, "command": lang.argv,
                                  "available": lang.available, "version": lang.version,
                                  "note": lang.note} for lang in langs},
        "workloads": {w: {lang.name: {
            "status": c.status, "detail": c.detail, "wall_s": c.wall, "work_s": c.work,
            "median_wall_s": c.median("wall"), "median_work_s": c.median("work"),
            "wall_ratio_to_cpython": ratio(table[w], lang.name, BASELINE, "wall"),
            "work_ratio_to_cpython": ratio(table[w], lang.name, BASELINE, "work"),
            "work_ratio_to_lua5.4": ratio(table[w], lang.name, LUA, "work"),
        } for lang in langs for c in [table[w][lang.name]]} for w in workloads},
        "targets": targets,
    }


def chart(table, langs, workloads, meta, path: Path) -> str:
    """PNG bar chart of the ratios to CPython (log scale); returns a note."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: chart skipped (pip install matplotlib)"
    shown = [lang for lang in langs if lang.available]
    width = max(11.0, 1.2 * len(workloads) + 2)
    fig, axes = plt.subplots(2, 1, figsize=(width, 8.5), constrained_layout=True)
    kinds = [("work", "In-process work time", work_workloads(workloads)),
             ("wall", "Whole-process wall time", workloads)]
    for ax, (kind, title, chosen) in zip(axes, kinds):
        draw_bars(ax, table, shown, chosen, kind)
        ax.set_title("%s ÷ CPython (log scale, lower is faster; median of %d rounds)"
                     % (title, meta["rounds"]))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(shown))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ""


def draw_bars(ax, table, langs, workloads, kind: str) -> None:
    """Grouped bars: one group per workload, one bar per language."""
    width = 0.8 / max(len(langs), 1)
    for i, lang in enumerate(langs):
        xs, ys = [], []
        for j, w in enumerate(workloads):
            x = j - 0.4 + width * (i + 0.5)
            r = ratio(table[w], lang.name, BASELINE, kind)
            if r is None:
                ax.text(x, 1.0, "error" if table[w][lang.name].failed else "", rotation=90,
                        ha="center", va="bottom", fontsize=7, color="red")
                continue
            xs.append(x)
            ys.append(r)
        bars = ax.bar(xs, ys, width, label=lang.label)
        ax.bar_label(bars, labels=[format_ratio(y).rstrip("×") for y in ys], fontsize=6,
                     rotation=90, padding=2)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.margins(y=0.15)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads)
    ax.grid(axis="y", which="both", alpha=0.3)


# ---------------------------------------------------------------- main

def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s" % (cpu, os.cpu_count() or 0, platform.system())


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help="comma-separated subset of: " + ", ".join(WORKLOADS))
    parser.add_argument("--languages", default="orus,python,lua5.4,luajit,node")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds before one run is killed (an error cell)")
    parser.add_argument("--orus", default=str(ROOT / ".venv" / "bin" / "orus"),
                        help="command that runs Orus (without `run`)")
    parser.add_argument("--orus-label", default="",
                        help="version text for Orus (default: the checkout's git commit)")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="folder for latest.md, latest.json, latest.png")
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args(argv)
    args.workloads = [w for w in args.workloads.split(",") if w]
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error("unknown workload(s): " + ", ".join(sorted(unknown)))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    wanted = args.languages.split(",")
    langs = [lang for lang in default_languages(shlex.split(args.orus)) if lang.name in wanted]
    if BASELINE not in wanted:
        print("note: without the python column no ratios can be computed", file=sys.stderr)
    for lang in langs:
        probe(lang)
    for lang in langs:
        if lang.name == "orus" and lang.available:
            if args.orus_label:
                lang.version = args.orus_label
            else:
                describe_orus(lang)
    meta = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "rounds": args.rounds,
            "machine": machine_description(), "timeout_s": args.timeout}
    table = run_rounds(langs, args.workloads, args.rounds, args.timeout)
    targets = evaluate_targets(table, args.workloads) if BASELINE in wanted else []
    args.out.mkdir(parents=True, exist_ok=True)
    report = markdown_report(table, langs, args.workloads, targets, meta)
    if not args.no_chart:
        note = chart(table, langs, args.workloads, meta, args.out / "latest.png")
        report += ("\n" + note + "\n") if note else "\n![ratios to CPython](latest.png)\n"
    (args.out / "latest.md").write_text(report)
    (args.out / "latest.json").write_text(
        json.dumps(json_report(table, langs, args.workloads, targets, meta), indent=1) + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
