"""Compile the VM loop once, not once per helper (used by warm-cache).

Numba finalises every `@njit` function it compiles as if Python were going
to call it: the helper's module is optimised at O3 and turned into machine
code, and each caller links the optimised module in and does both again.
The loop reaches ~160 helpers, and `dispatch` is linked into `run_with`,
which is linked into `run`, which is linked into the native entry point, so
the largest module went through the O3 pipeline four times and through code
generation five times.  Measured with a fresh cache (thread CPU, loaded
2-core machine): module O3 22.6 s, machine code 18.9 s of a 126 s compile.

Inside ``lean_numba_build()`` a library that is compiled *for another
compiled function* (a helper, found while typing its caller) is only
linked: its callees are linked in and nothing else happens -- no
per-function passes, no module O3, no machine code, no cache entry.  The
function compiled for Python (`run`) is finalised as usual: its module,
with every helper linked in, gets the full pipeline once (Numba's cheap
inlining round, reference-count pruning, then O3), its machine code is
generated and cached, and that cached object code is self-contained (the
helpers are in it).  A C entry point (the native VM's cfunc) is linked and
optimised (a second O3 over the loop: with one O3 fib and control_flow
measured ~10 % slower), but gets no machine code here: `aot` emits the
object code of its module itself.  Measured against the usual build (9
interleaved rounds, 7 workloads): the native VM is as fast, within noise;
warm-cache on a quiet machine 97-100 s -> ~60 s.

The price: in this process, each lazily built helper's dispatcher holds an
entry point that refuses every call (a zero-argument function: calling it
with arguments raises TypeError, nothing runs) and the helpers have no cache
entries.  So the build runs in a process of its own (orus/jit/build_vm.py)
that exits afterwards.  Relies on Numba internals (codegen.CPUCodeLibrary,
CPUContext.get_executable, caching.Cache.save_overload); ``supported()``
says whether they are where this module expects them, otherwise the normal
build runs.
"""

from __future__ import annotations

import contextlib


def supported() -> bool:
    """The Numba internals this module patches are where it expects them
    (and Numba is a version the native build was tested with)."""
    try:
        from orus.jit import aot
        if aot._numba_supported() is not None:
            return False
        from numba import _dynfunc
        from numba.core import caching, codegen, cpu, dispatcher
        return callable(_dynfunc.make_function) and all(hasattr(owner, name) for owner, name in (
            (codegen.CPUCodeLibrary, "finalize"), (codegen.CPUCodeLibrary, "_get_module_for_linking"),
            (codegen.CodeLibrary, "_ensure_finalized"), (codegen.CodeLibrary, "_raise_if_finalized"),
            (codegen.JITCodeLibrary, "get_pointer_to_function"),
            (codegen.JITCPUCodegen, "create_library"), (cpu.CPUContext, "get_executable"),
            (caching.Cache, "save_overload"), (dispatcher.Dispatcher, "compile")))
    except Exception:
        return False


def _mode(library) -> str:
    """How a library is finalised inside lean_numba_build (set when it is
    created): "full" (as usual; also every library made outside), "helper"
    (only linked) or "entry" (linked and optimised, no machine code)."""
    return getattr(library, "_orus_mode", "full")


@contextlib.contextmanager
def lean_numba_build():
    """Within: helpers are finalised lazily (see the module docstring)."""
    from numba import _dynfunc, njit
    from numba.core import caching, codegen, cpu, dispatcher

    @njit(cache=False)
    def _refuses_every_call():
        return 0

    _refuses_every_call()                         # a real entry point to lend out
    placeholder = _refuses_every_call.overloads[()]
    placeholder_ptr = placeholder.library.get_pointer_to_function(
        placeholder.fndesc.llvm_cpython_wrapper_name)

    depth = [0]
    saved = {}

    def patch(owner, name, new):
        saved[(owner, name)] = getattr(owner, name)
        setattr(owner, name, new)

    orig_compile = dispatcher.Dispatcher.compile

    def compile(self, sig):
        depth[0] += 1
        try:
            return orig_compile(self, sig)
        finally:
            depth[0] -= 1

    orig_create = codegen.JITCPUCodegen.create_library

    def create_library(self, name, **kwargs):
        library = orig_create(self, name, **kwargs)
        # depth 1: compiled for Python (as usual); deeper: for a compiled
        # caller (link only); 0: a C entry point (link and optimise: aot
        # emits its object code)
        library._orus_mode = "full" if depth[0] == 1 else "helper" if depth[0] > 1 else "entry"
        return library

    orig_finalize = codegen.CPUCodeLibrary.finalize

    def finalize(self):
        if _mode(self) == "full":
            return orig_finalize(self)
        self._raise_if_finalized()
        seen = set()
        for library in self._linking_libraries:
            if library not in seen:
                seen.add(library)
                self._reload_init.update(library._reload_init)
                self._final_module.link_in(library._get_module_for_linking(), preserve=True)
        if _mode(self) == "entry":
            self._optimize_final_module()
        self._final_module.verify()
        self._finalized = True

    orig_optimize_functions = codegen.CPUCodeLibrary._optimize_functions

    def _optimize_functions(self, ll_module):
        if _mode(self) != "helper":
            return orig_optimize_functions(self, ll_module)
        ll_module.data_layout = self._codegen._data_layout   # (what it does besides)

    orig_get_pointer = codegen.JITCodeLibrary.get_pointer_to_function

    def get_pointer_to_function(self, name):
        if _mode(self) == "full":
            return orig_get_pointer(self, name)
        self._ensure_finalized()
        return 0                                  # never generated: nothing to call

    orig_get_executable = cpu.CPUContext.get_executable

    def get_executable(self, library, fndesc, env):
        if _mode(library) == "full":
            return orig_get_executable(self, library, fndesc, env)
        library._ensure_finalized()
        return _dynfunc.make_function(fndesc.lookup_module(), fndesc.qualname.split(".")[-1],
                                      "not callable (built lazily by orus warm-cache)",
                                      placeholder_ptr, env, (library, placeholder))

    orig_save = caching.Cache.save_overload

    def save_overload(self, sig, data):
        if _mode(getattr(data, "library", None)) == "full":
            return orig_save(self, sig, data)

    patch(dispatcher.Dispatcher, "compile", compile)
    patch(codegen.JITCPUCodegen, "create_library", create_library)
    patch(codegen.CPUCodeLibrary, "finalize", finalize)
    patch(codegen.JITCodeLibrary, "get_pointer_to_function", get_pointer_to_function)
    patch(cpu.CPUContext, "get_executable", get_executable)
    patch(caching.Cache, "save_overload", save_overload)
    patch(codegen.CPUCodeLibrary, "_optimize_functions", _optimize_functions)
    try:
        yield
    finally:
        for (owner, name), value in saved.items():
            setattr(owner, name, value)
