"""Compare native VMs side by side in one process, from their LLVM IR.

    # 1. dump the linked LLVM module of the native entry point of a checkout
    #    (uses that checkout's njit cache; compiles the VM if it has none)
    PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/vm_ir.py --dump A.ll
    # 2. build each IR into a library (optionally with LLVM options) and time
    #    programs on each, interleaved, in this process
    .venv/bin/python benchmarks/vm_ir.py base=A.ll new=B.ll \
        [--llvm-option -some-llc-flag=1] [--rounds 11] PROGRAM.orus ...

It prints the median time of each program on each VM and the ratio
new/base, and checks that all VMs print the same output.  The programs are
compiled by the checkout this script runs from, so the VMs compared must
share its opcode table.  `--llvm-option` applies to the machine-code step
only (what `llc` would take), e.g. to try code-layout options without a
Numba compile.  This is how the dispatch findings in docs/ARCHITECTURE.md
("What the dispatch compiles to") were measured.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
import time


def dump(path: str) -> None:
    from orus.jit import aot
    entry = aot.compile_entry()
    with open(path, "w") as fh:
        fh.write(str(entry._library._final_module))
    with open(path + ".symbol", "w") as fh:
        fh.write(entry.native_name)


def build(ll_path: str, tag: str, folder: str):
    import llvmlite.binding as llvm
    from orus.jit import aot
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    with open(ll_path) as fh:
        module = llvm.parse_assembly(fh.read())
    target = llvm.Target.from_triple(module.triple or llvm.get_process_triple())
    tm = target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                      features=llvm.get_host_cpu_features().flatten(),
                                      opt=3, reloc="pic", codemodel="default")
    stubs = sorted(f.name for f in module.functions
                   if f.is_declaration and f.name.startswith(aot._STUB_PREFIXES)
                   and f.name not in aot._DEFINED_IN_STUBS_C)
    stub_vars = sorted(g.name for g in module.global_variables
                       if g.is_declaration and g.name.startswith(aot._STUB_PREFIXES))
    obj = os.path.join(folder, tag + ".o")
    with open(obj, "wb") as fh:
        fh.write(tm.emit_object(module))
    with open(os.path.join(folder, "orus_build.h"), "w") as fh:
        fh.write(aot._stub_header("benchmark", stubs, stub_vars))
    lib_path = os.path.join(folder, tag + ".so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-Wl,-Bsymbolic", "-o", lib_path,
                    "-I", folder, obj, aot.STUBS_C, "-lm"], check=True)
    with open(ll_path + ".symbol") as fh:
        symbol = fh.read().strip()
    fn = getattr(ctypes.CDLL(lib_path), symbol)
    fn.argtypes = (ctypes.c_void_p,)
    fn.restype = ctypes.c_int64
    return aot.NativeVM(fn, lib_path)


def compare(variants, programs, rounds: int, llvm_options) -> None:
    import llvmlite.binding as llvm
    import orus
    from orus.host.machine import Machine
    for option in llvm_options:
        llvm.set_option("vm_ir", option)
    with tempfile.TemporaryDirectory(prefix="orus-vm-ir-") as folder:
        vms = [(tag, build(path, tag, folder)) for tag, path in variants]
        print("%-26s" % "program" + "".join("%12s" % tag for tag, _ in vms)
              + ("   %s/%s" % (vms[-1][0], vms[0][0]) if len(vms) > 1 else ""))
        for path in programs:
            with open(path, "rb") as fh:
                program = orus.compile_source(fh.read())
            times = {tag: [] for tag, _ in vms}
            outputs = {}
            for r in range(rounds):
                for tag, vm in (vms if r % 2 == 0 else vms[::-1]):
                    chunks = []
                    t0 = time.perf_counter()
                    Machine(program, vm, chunks.append).run()
                    times[tag].append(time.perf_counter() - t0)
                    outputs[tag] = b"".join(chunks).split(b"work_seconds")[0]
            if len(set(outputs.values())) != 1:
                sys.exit("%s: the VMs print different output" % path)
            medians = [sorted(times[tag])[rounds // 2] for tag, _ in vms]
            line = "%-26s" % os.path.basename(path) + "".join("%10.1fms" % (1e3 * m) for m in medians)
            if len(medians) > 1:
                line += "   %.3f" % (medians[-1] / medians[0])
            print(line)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", metavar="OUT.ll", help="write this checkout's IR and stop")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--llvm-option", action="append", default=[])
    parser.add_argument("items", nargs="*", help="TAG=FILE.ll variants, then programs")
    args = parser.parse_intermixed_args(argv)
    if args.dump:
        dump(args.dump)
        return
    variants = [tuple(item.split("=", 1)) for item in args.items if "=" in item]
    programs = [item for item in args.items if "=" not in item]
    if not variants or not programs:
        parser.error("give at least one TAG=FILE.ll and one program")
    compare(variants, programs, args.rounds, args.llvm_option)


if __name__ == "__main__":
    main()
