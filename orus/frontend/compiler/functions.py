"""Compiler: functions, function values and closures, calls and returns."""

from __future__ import annotations

from orus.frontend import ast
from orus.bytecode import opcodes as O
from orus.frontend import types as T
from orus.frontend.compiler.model import _is_builtin


class FunctionCode:

    # -- functions -------------------------------------------------------------------------
    def function(self, info):
        self.info = info
        self.cats = []
        self.call_bases = set()     # registers that receive a call's result (any category)
        self.free = 0
        self.nregs = 1
        self.loops = []
        self.try_depth = 0          # try blocks open at this point of the function
        b = self.b
        b.begin_function(info.index)
        if info.is_main:
            self.alloc_scope(info.scope)
        else:
            for i, sym in enumerate(info.params):
                sym.reg = i
                self._take(i, sym.ty.category)
            n = len(info.params)
            for j, sym in enumerate(info.captures):
                self._take(n + j, sym.ty.category)
            self.free = n + len(info.captures)
            self.alloc_scope(info.scope)
            for node, target in info.inner_refs:
                if target.captures and target is not info:
                    self.error(node, "'%s' cannot be used from a function nested inside it, "
                               "because it captures variables" % target.name)
        self.block(info.body)
        last = b.code[-1][0] if b.pc > b.funcs[info.index][0] else None
        if info.is_main:
            self.emit(O.HALT)
        elif last not in (O.RET, O.RET0) or self._jumps_to_end(info):
            self.emit(O.RET0)
        # GC roots: a register is scanned if it may ever hold a handle; a call
        # base holds an argument and then the result, so it counts if either may.
        handles = [(i < len(self.cats) and self.cats[i] == T.CAT_HANDLE) or i in self.call_bases
                   for i in range(self.nregs)]
        b.end_function(info.index, self.nregs, handles)
        self.reg_cats[info.index] = list(self.cats)

    def _jumps_to_end(self, info):
        """Does any jump of the function being compiled target the current pc?"""
        b = self.b
        pc = b.pc
        for i in range(b.funcs[info.index][0], pc):
            row = b.code[i]
            kinds = O.TABLE[row[0]].operands
            if any(k == "j" and row[1 + slot] == pc for slot, k in enumerate(kinds)):
                return True
        return False

    def fn_value(self, sym, dst, node):
        if sym.fndecl is not None:
            self.emit(O.LOADFN, dst, sym.fndecl.info.index, 0, node)
            return
        info = sym.fninfo
        if not info.captures:
            self.emit(O.LOADFN, dst, info.index, 0, node)
        elif info is self.info:
            self.make_closure(info, dst, node)
        else:
            r = self.sym_reg(sym)
            if r != dst:
                self.emit(O.MOVE, dst, r, 0, node)

    def make_closure(self, info, dst, node):
        if not info.captures:
            self.emit(O.LOADFN, dst, info.index, 0, node)
            return
        mark = self.free
        caps = info.captures
        a = self.alloc_block([T.CAT_HANDLE] + [s.ty.category for s in caps])
        for j, s in enumerate(caps):
            self.load_sym(s, a + 1 + j, node)
        self.emit(O.CLOSURE, a, info.index, len(caps), node)
        if a != dst:
            self.emit(O.MOVE, dst, a, 0, node)
        self.free = mark

    def call(self, e):
        """Compile a call; returns the register A holding its result (the block
        above it is released)."""
        target = e.target
        if target is not None:
            intrinsic = self.math_intrinsic(target)
            if intrinsic is not None:
                return self.intrinsic_call(e, intrinsic)
        args = e.args
        cats = [a.ty.category for a in args]
        caps = []
        if target is not None and target.captures:
            caps = target.captures
            if target is not self.info:
                self.error(e, "'%s' cannot be called here directly" % target.name)
            cats += [s.ty.category for s in caps]
        if not cats:
            cats = [e.ty.category if not e.ty.is_void else T.CAT_INT]
        fv = None
        if target is None:
            fv = self.exp_to_reg(e.callee)
        a = self.alloc_block(cats)
        for i, arg in enumerate(args):
            self.exp_to(arg, a + i)
        n = len(args)
        for j, s in enumerate(caps):
            self.load_sym(s, a + n + j, e)
        if target is None:
            self.call_bases.add(a)
            self.emit(O.CALLV, a, fv, 0, e)
        else:
            self.call_bases.add(a)
            self.emit(O.CALL, a, target.index, 0, e)
        self.free = a + 1
        return a

    def stmt_Return(self, s):
        mark = self.free
        if self.info.is_main:
            if s.value is not None:
                if type(s.value) is ast.Call and not _is_builtin(s.value):
                    self.call(s.value)
                else:
                    self.exp_to_reg(s.value)
            self.emit(O.HALT, 0, 0, 0, s)
        elif s.value is None or s.value.ty.is_void:
            if s.value is not None:
                self.call(s.value)
            self.leave_tries(self.try_depth, s)
            self.emit(O.RET0, 0, 0, 0, s)
        else:
            r = self.exp_to_reg(s.value)
            self.leave_tries(self.try_depth, s)
            self.emit(O.RET, r, 0, 0, s)
        self.free = mark

    def stmt_FnDef(self, s):
        info = s.info
        if not hasattr(info, "captures"):
            return                      # a top-level function: no code here
        if info.captures:
            self.make_closure(info, self.sym_reg(info.sym), s)
