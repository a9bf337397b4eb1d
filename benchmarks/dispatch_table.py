"""Which opcodes the native VM's main jump table dispatches directly.

    .venv/bin/python benchmarks/dispatch_table.py [LIBRARY.so]

Disassembles `dispatch` in the native library (default: the one of the
current cache) with objdump, finds its largest jump table (the `cmp $N, reg;
ja DEFAULT; lea TABLE(%rip)` sequence with the largest N), decodes the
table's entries from the file, and lists the opcodes whose entry is the
default case: those are found by further compares after the table (see
docs/ARCHITECTURE.md, "What the dispatch compiles to").  x86-64 only.
"""

from __future__ import annotations

import glob
import os
import re
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sections(path: str):
    out = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True,
                         check=True).stdout
    return [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16)) for m in re.finditer(
        r"\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out)]


def _read(data: bytes, sections, vaddr: int, size: int) -> bytes:
    for addr, off, length in sections:
        if addr <= vaddr < addr + length:
            return data[off + vaddr - addr: off + vaddr - addr + size]
    raise ValueError("address %#x is in no section" % vaddr)


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args:
        path = args[0]
    else:
        found = sorted(glob.glob(os.path.join(ROOT, "cache", "vm-*", "vm-native-*.so")),
                       key=os.path.getmtime)
        if not found:
            sys.exit("no native VM in cache/: run `orus warm-cache` first")
        path = found[-1]
    asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True,
                         text=True, check=True).stdout
    start = re.search(r"^[0-9a-f]+ <[^>]*vm8dispatch[^>]*>:$", asm, re.M)
    if start is None:
        sys.exit("no dispatch function in %s" % path)
    end = re.compile(r"^[0-9a-f]+ <[^>]*>:$", re.M).search(asm, start.end())
    body = asm[start.end(): end.start() if end else len(asm)]
    pattern = re.compile(r"cmp\s+\$0x([0-9a-f]+),%\w+\n\s*[0-9a-f]+:\s+ja\s+([0-9a-f]+).*\n"
                         r"\s*[0-9a-f]+:\s+lea\s+0x[0-9a-f]+\(%rip\),%\w+\s+# ([0-9a-f]+)")
    best = max(pattern.finditer(body), key=lambda m: int(m.group(1), 16), default=None)
    if best is None:
        sys.exit("no jump table found in dispatch")
    top, default, table = int(best.group(1), 16), int(best.group(2), 16), int(best.group(3), 16)
    with open(path, "rb") as fh:
        data = fh.read()
    entries = struct.unpack("<%di" % (top + 1), _read(data, _sections(path), table, 4 * (top + 1)))
    sys.path.insert(0, ROOT)
    from orus.bytecode import opcodes as op
    names = {info.number: info.name for info in op.TABLE}
    outside = [names.get(i, str(i)) for i, e in enumerate(entries) if table + e == default]
    beyond = [info.name for info in op.TABLE if info.number > top]
    print("%s: the main table covers opcodes 0..%d of %d" % (os.path.basename(path), top, len(op.TABLE)))
    print("directly dispatched: %d" % (top + 1 - len(outside)))
    print("through the default case: %d %s" % (len(outside) + len(beyond), " ".join(outside + beyond)))


if __name__ == "__main__":
    main()
