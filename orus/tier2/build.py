"""Building a program's native code (at `orus warm-cache PROGRAM.orus` time).

  1. orus/tier2/codegen.py emits the LLVM IR of the program (a verified one:
     the caller verifies it first);
  2. llvmlite parses it, runs LLVM's O3 pipeline for the host CPU and emits
     position-independent object code;
  3. `cc -shared` (the compiler orus/jit/aot.py finds) links it with a tiny
     generated C file holding the identity string (the cache key);
  4. the library, then its manifest, are written atomically into
     ``<cache root>/tier2/`` (orus/tier2/store.py checks both before a run
     loads them).  Writers of one key write identical content, so two
     concurrent builds need no lock: the last rename wins, and a reader sees
     either no manifest or a complete pair.
"""

from __future__ import annotations

import os
import time

from orus.bytecode.atomicio import write_atomic
from orus.bytecode.digest import sha256
from orus.jit import abi, aot
from orus.tier2 import FORMAT, codegen, store


def object_code(ir_text: str) -> bytes:
    """O3-optimised PIC object code of the module for this CPU."""
    import llvmlite.binding as llvm
    try:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
    except Exception:       # newer llvmlite initialises itself (and refuses the calls)
        pass
    mod = llvm.parse_assembly(ir_text)
    mod.verify()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    tm = target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                      features=llvm.get_host_cpu_features().flatten(),
                                      opt=3, reloc="pic", codemodel="default")
    mod.triple = llvm.get_process_triple()
    mod.data_layout = str(tm.target_data)
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return tm.emit_object(mod)


def link(obj: bytes, ident: str, cc: str) -> bytes:
    return aot.link_shared(cc, obj, {"ident.c": 'const char *%s = "%s";\n'
                                     % (store.ID_SYMBOL, ident)})


def build(program, where: str | None = None, progress=None) -> dict:
    """Build and store the native code of `program` (already verified).
    Returns the manifest fields (plus "seconds", "supported", "total")."""
    say = progress or (lambda text: None)
    where = store.folder() if where is None else where
    if where is None:
        raise RuntimeError("no writable cache folder (set ORUS_CACHE_DIR)")
    cc = aot.find_compiler()
    if cc is None:
        raise RuntimeError("no C compiler found (set CC)")
    os.makedirs(where, exist_ok=True)
    t0 = time.perf_counter()
    k = store.key(program)
    say("tier 2: generating code for %d instructions" % len(program.code))
    ir_text, supported = codegen.emit(program)
    say("tier 2: %d of %d instructions native; optimising" % (supported, len(program.code)))
    data = link(object_code(ir_text), store.identity(k), cc)
    lib, man = store.paths(k, where)
    write_atomic(lib, data, fsync=True)
    fields = {"format": FORMAT, "key": k, "abi": abi.signature(), "size": str(len(data)),
              "sha256": sha256(data).hexdigest(), "symbol": codegen.ENTRY_SYMBOL,
              "supported": str(supported), "total": str(len(program.code)),
              "seconds": "%.2f" % (time.perf_counter() - t0)}
    text = "".join("%s=%s\n" % kv for kv in fields.items()) + "end=ok\n"
    write_atomic(man, text.encode("utf-8"), fsync=True)
    store.trim(where)
    return fields


def is_built(program, where: str | None = None) -> bool:
    where = store.folder() if where is None else where
    if where is None:
        return False
    try:
        store.validate(store.key(program), where)
    except store.Tier2Error:
        return False
    return True
