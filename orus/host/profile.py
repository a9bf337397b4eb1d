"""`orus run --profile`: what the VM executed, per opcode and per source line.

The VM counts executed instructions per pc (orus.jit.vm.run_with); this
module folds the counts by opcode and by source line and formats a report
for stderr.
"""

from __future__ import annotations

import numpy as np

from orus.bytecode import opcodes as op


def report(program, counts: np.ndarray, seconds: float, top: int = 12) -> str:
    total = int(counts.sum())
    lines = ["-- profile: %s instructions in %.3f s (%.2f ns/instruction) --" % (
        f"{total:,}", seconds, seconds / total * 1e9 if total else 0.0)]
    by_op = np.bincount(program.code[:, 0], weights=counts, minlength=op.NUM_OPS)
    lines.append("")
    lines.append("  %-12s %15s %7s" % ("opcode", "executed", "share"))
    for o in np.argsort(-by_op, kind="stable")[:top]:
        if by_op[o] == 0:
            break
        lines.append("  %-12s %15s %6.1f%%" % (op.NAMES[o], f"{int(by_op[o]):,}", 100 * by_op[o] / total))
    # hottest source lines (main file and modules)
    keys = program.lines[:, 2].astype(np.int64) * (1 << 32) + program.lines[:, 0]
    uniq, inverse = np.unique(keys, return_inverse=True)
    by_line = np.bincount(inverse, weights=counts, minlength=len(uniq))
    lines.append("")
    lines.append("  %-28s %15s %7s  %s" % ("line", "executed", "share", "source"))
    sources = getattr(program, "sources", {}) or {}
    for i in np.argsort(-by_line, kind="stable")[:top]:
        if by_line[i] == 0:
            break
        f, ln = divmod(int(uniq[i]), 1 << 32)
        name = program.filename if f == 0 else program.file_name(f)
        src = (program.source if f == 0 else sources.get(f, b"")) or b""
        text = ""
        if ln >= 1:
            src_lines = src.split(b"\n")
            if ln <= len(src_lines):
                text = src_lines[ln - 1].decode("utf-8", "replace").strip()[:60]
        where = "%s:%d" % (name.rsplit("/", 1)[-1], ln)
        lines.append("  %-28s %15s %6.1f%%  %s" % (where, f"{int(by_line[i]):,}",
                                                  100 * by_line[i] / total, text))
    return "\n".join(lines) + "\n"
