"""Compiler: register allocation (a scope's symbols get fixed registers,
temporaries live on a stack above them) and emitting instructions."""

from __future__ import annotations

from orus.frontend.compiler.model import _jump_slot


class RegisterAllocation:

    # -- registers ---------------------------------------------------------------------
    def _fits(self, r, cat):
        cats = self.cats
        return r >= len(cats) or cats[r] is None or cats[r] == cat

    def _take(self, r, cat):
        cats = self.cats
        while len(cats) <= r:
            cats.append(None)
        if cats[r] is None:
            cats[r] = cat
        if r >= self.nregs:
            self.nregs = r + 1

    def alloc(self, cat):
        r = self.free
        while not self._fits(r, cat):
            r += 1
        self._take(r, cat)
        self.free = r + 1
        return r

    def alloc_block(self, cats):
        a = self.free
        while not all(self._fits(a + i, c) for i, c in enumerate(cats)):
            a += 1
        for i, c in enumerate(cats):
            self._take(a + i, c)
        self.free = a + len(cats)
        return a

    def alloc_scope(self, scope):
        for sym in scope.symbols:
            if sym.kind in ("param", "loop"):
                continue
            if sym.kind == "fn" and not sym.is_closure_fn:
                continue
            sym.reg = self.alloc(sym.ty.category)

    # -- emission ------------------------------------------------------------------------
    def emit(self, op, a=0, b=0, c=0, node=None):
        if node is None:
            return self.b.emit(op, a, b, c)
        return self.b.emit(op, a, b, c, node.line, node.col)

    def patch_here(self, pcs):
        target = self.b.pc
        code = self.b.code
        for pc in pcs:
            slot = _jump_slot(code[pc][0])
            self.b.patch(pc, **{"abc"[slot]: target})

    # -- symbols -------------------------------------------------------------------------------
    def sym_reg(self, sym):
        """The register holding `sym` in the current function, or None for a global
        seen from a function other than main."""
        info = self.info
        if sym.func is info:
            return sym.reg
        if sym.is_global:
            return None
        return len(info.params) + info.cap_index[sym]
