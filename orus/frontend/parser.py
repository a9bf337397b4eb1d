"""Parser of Orus: tokens -> orus.frontend.ast.Module.

Statements are parsed by recursive descent; expressions by a Pratt parser driven by
two tables (token kind -> prefix handler, token kind -> (precedence, infix handler)).
The parser knows nothing about types: it only checks the shape of the program.

Precedence, loosest first (CORE.md §4.1, DECISIONS.md core rows 3, 11, 25, 37):
    ternary  `c ? a : b`, `a if c else b`      (right-associative)
    or
    and
    comparisons `== != < <= > >= matches` and the cast `as T` (one level, but
        `a < b < c` and `v as i64 as f64` are rejected)
    |
    ^
    &
    << >>                                      (DECISIONS core row 43, as in Python/Rust)
    + -
    * / %
    prefix - ~ not !
    postfix call, index, slice, member, struct literal

Nesting (parentheses, prefix operators, blocks, long operator chains) is limited to
MAX_DEPTH levels, whatever the input: deeper programs get a CompileError instead of
a RecursionError, and the tree handed to later passes is at most about MAX_DEPTH
statement/expression levels deep.
"""

from __future__ import annotations

import sys

from orus.frontend import ast
from orus.errors import CompileError
from orus.frontend.lexer import Lexer, decode_source, line_text

# Deepest nesting accepted (expression levels + chained operators + blocks).
MAX_DEPTH = 200
# Python frames used per nesting level stay below 8; keep a generous margin.
_RECURSION_LIMIT = 8 * MAX_DEPTH + 2000

# Binding powers of infix operators (higher binds tighter).
(TERNARY, OR, AND, COMPARE, BIT_OR, BIT_XOR, BIT_AND, SHIFT, SUM, PRODUCT, UNARY,
 POSTFIX) = range(1, 13)

ASSIGN_OPS = frozenset(("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="))
# Statements that own a block; they cannot appear in a one-line body.
COMPOUND_STARTERS = frozenset(("if", "while", "for", "struct", "impl", "enum", "match",
                               "try", "LABEL"))
# Tokens that end a simple statement.
STATEMENT_END = frozenset((";", "NEWLINE", "DEDENT", "EOF"))

_TOKEN_NAMES = {
    "NEWLINE": "the end of the line",
    "EOF": "the end of the file",
    "INDENT": "an indented line",
    "DEDENT": "the end of the indented block",
    "STRING": "a string",
}


def parse(source, filename="<input>"):
    """Parse Orus source (bytes or str) into an orus.frontend.ast.Module.

    Every problem is reported as orus.errors.CompileError with the 1-based line and
    column of the offending token.
    """
    text = decode_source(source, filename)
    lexer = Lexer(text, filename)
    parser = Parser(lexer.chunks(), filename, text)
    old_limit = sys.getrecursionlimit()
    if old_limit < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    try:
        return parser.parse_module()
    except CompileError as error:
        if parser.lexer_failed or parser.too_deep or not lexer.brackets:
            raise
        # The parse failed inside brackets.  If one of them is never closed, that is
        # the real mistake: report it where it was opened (as Python does).
        _report_unclosed_bracket(lexer, parser.chunks, error)
        raise
    finally:
        sys.setrecursionlimit(old_limit)


def _report_unclosed_bracket(lexer, chunks, error):
    try:
        for _ in chunks:
            pass
    except CompileError as lex_error:
        if lexer.unclosed is not None and lexer.unclosed < (error.line, error.col):
            raise lex_error from None


def describe(tok):
    """How a token is named in error messages."""
    if tok.kind in _TOKEN_NAMES:
        return _TOKEN_NAMES[tok.kind]
    if tok.kind == "IDENT":
        return "name '%s'" % tok.value
    if tok.kind in ("INT", "FLOAT"):
        return "number %r" % tok.value
    if tok.kind == "LABEL":
        return "label '%s" % tok.value
    return "'%s'" % tok.kind


def _pos(tok):
    return {"line": tok.line, "col": tok.col}


class Parser:
    def __init__(self, chunks, filename, text):
        self.chunks = chunks               # generator of token lists (see Lexer.chunks)
        self.tokens = []                   # every token pulled so far
        self.lexer_failed = False          # the lexer raised (no more tokens to come)
        self.too_deep = False              # MAX_DEPTH was exceeded
        self.filename = filename
        self.text = text
        self.fill(0)
        self.pos = 0
        self.tok = self.tokens[0]
        self.prev = self.tok               # last consumed token
        self.depth = 0                     # current nesting, limited by MAX_DEPTH
        self.block_depth = 0               # 0 = top level of the file
        self.open_brackets = 0             # (), [], {} currently open
        # `[a, N]` fill literals, by id, so that call arguments can turn them back
        # into two-element arrays (DATA.md §3.1). The dict keeps the nodes alive.
        self.comma_fills = {}
        # ids of parenthesised expressions (see infix_cast)
        self.grouped = set()

    # ================================================================ helpers
    def error(self, tok, message):
        raise CompileError(message, self.filename, tok.line, tok.col,
                           source_line=line_text(self.text, tok.line))

    def fill(self, index):
        """Pull tokens from the lexer until token ``index`` exists (or EOF is reached)."""
        tokens = self.tokens
        while len(tokens) <= index and (not tokens or tokens[-1].kind != "EOF"):
            try:
                tokens.extend(next(self.chunks))
            except CompileError:
                self.lexer_failed = True
                raise

    def advance(self):
        tok = self.tok
        self.prev = tok
        if tok.kind != "EOF":
            self.pos += 1
            if self.pos >= len(self.tokens):
                self.fill(self.pos)
            self.tok = self.tokens[self.pos]
        return tok

    def jump(self, index):
        """Continue at token ``index`` (after a successful look-ahead scan)."""
        self.prev = self.tokens[index - 1]
        self.pos = index
        self.tok = self.tokens[index]

    def kind_at(self, index):
        tokens = self.tokens
        if index >= len(tokens):
            self.fill(index)
        return tokens[min(index, len(tokens) - 1)].kind

    def peek_kind(self, offset=1):
        return self.kind_at(self.pos + offset)

    def expect(self, kind, message):
        if self.tok.kind != kind:
            self.error(self.tok, "%s, found %s" % (message, describe(self.tok)))
        return self.advance()

    def enter(self, tok):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.too_deep = True
            self.error(tok, "program nested too deeply (more than %d levels)" % MAX_DEPTH)

    def leave(self):
        self.depth -= 1

    def ended_with_block(self):
        """True right after a construct that consumed its own line end."""
        return self.prev.kind == "NEWLINE" or self.prev.kind == "DEDENT"

    # ================================================================ statements
    def parse_module(self):
        body = self.parse_statements(top=True)
        if self.tok.kind != "EOF":
            self.error(self.tok, "unexpected %s" % describe(self.tok))
        return ast.Module(body, self.filename, line=1, col=1)

    def parse_statements(self, top):
        """Statements up to the end of the current block (DEDENT) or file (EOF)."""
        statements = []
        while True:
            kind = self.tok.kind
            if kind == "NEWLINE" or kind == ";":
                self.advance()
                continue
            if kind == "DEDENT" or kind == "EOF":
                return statements
            if kind == "INDENT":
                self.error(self.tok, "unexpected indent (the previous line does not "
                                     "end with ':')")
            statements.append(self.parse_statement())
            self.end_statement(top)

    def end_statement(self, top):
        """After a statement: a separator, or the end of the line/block/file."""
        kind = self.tok.kind
        if kind in STATEMENT_END or self.ended_with_block():
            return
        if kind == "," and top:
            self.advance()      # at top level `,` separates statements too
            return
        if kind == "," and self.block_depth:
            self.error(self.tok, "',' cannot separate statements inside a block; use ';'")
        self.error(self.tok, "expected the end of the line or ';' after the statement, "
                             "found %s (statements on one line are separated by ';')"
                   % describe(self.tok))

    def parse_statement(self):
        handler = self._STATEMENTS.get(self.tok.kind)
        if handler is not None:
            return handler(self)
        if self.tok.kind == "IDENT":
            following = self.peek_kind()
            if following == ":" or following == ":=":
                return self.parse_declaration(self.tok, mutable=False, pub=False)
        return self.parse_expression_statement()

    def parse_simple_statement(self):
        """A statement allowed in a one-line body (no block of its own)."""
        tok = self.tok
        if tok.kind in COMPOUND_STARTERS or (tok.kind == "fn" and self.peek_kind() == "IDENT"):
            if tok.kind == "if" and self.prev.kind == ":" and self.kind_at(self.pos - 2) == "else":
                self.error(tok, "'else if' is not valid Orus; write 'elif'")
            what = "a label" if tok.kind == "LABEL" else "'%s'" % tok.kind
            self.error(tok, "%s cannot start a one-line body; put the body on its own "
                            "indented lines" % what)
        return self.parse_statement()

    # ---------------------------------------------------------------- bodies
    def parse_suite(self, header, what):
        """The body after a header's ':' (or a match arm's '->').

        Either NEWLINE + an indented block, or the ';'-separated statements that
        follow on the same line (DECISIONS.md core row 22).
        """
        if self.tok.kind == "NEWLINE":
            self.open_block(header, what)
            body = self.parse_statements(top=False)
            self.close_block()
            return body
        if self.tok.kind in ("EOF", "DEDENT", ";"):
            self.error(self.tok, "expected a body after %s (line %d)" % (what, header.line))
        self.enter(self.tok)
        self.block_depth += 1
        body = self.parse_inline_body()
        self.block_depth -= 1
        self.leave()
        return body

    def open_block(self, header, what):
        """Consume NEWLINE INDENT that start the block of ``header``."""
        self.expect("NEWLINE", "expected a new line after ':' of %s" % what)
        if self.tok.kind != "INDENT":
            self.error(self.tok, "expected an indented block after %s on line %d"
                       % (what, header.line))
        self.enter(self.advance())
        self.block_depth += 1

    def close_block(self):
        self.expect("DEDENT", "expected the end of the indented block")
        self.block_depth -= 1
        self.leave()

    def parse_inline_body(self):
        statements = []
        while True:
            statements.append(self.parse_simple_statement())
            if self.tok.kind == ";":
                while self.tok.kind == ";":
                    self.advance()
                if self.tok.kind not in STATEMENT_END:
                    continue
            if self.tok.kind == "NEWLINE":
                self.advance()
                return statements
            if self.tok.kind in STATEMENT_END or self.ended_with_block():
                return statements
            self.error(self.tok, "expected the end of the line or ';' after the statement, "
                                 "found %s" % describe(self.tok))

    # ---------------------------------------------------------------- simple statements
    def parse_print(self):
        tok = self.advance()
        if self.tok.kind != "(":
            self.error(self.tok, "expected '(' after print")
        return ast.Print(self.parse_arguments(in_call=False), **_pos(tok))

    def parse_pass(self):
        return ast.Pass(**_pos(self.advance()))

    def parse_break(self):
        tok = self.advance()
        label = self.advance().value if self.tok.kind == "LABEL" else None
        return ast.Break(label, **_pos(tok))

    def parse_continue(self):
        tok = self.advance()
        label = self.advance().value if self.tok.kind == "LABEL" else None
        return ast.Continue(label, **_pos(tok))

    def parse_return(self):
        tok = self.advance()
        value = None
        if self.tok.kind not in STATEMENT_END and self.tok.kind != ",":
            value = self.parse_expr()
        return ast.Return(value, **_pos(tok))

    def parse_expression_statement(self):
        start = self.tok
        expr = self.parse_expr()
        kind = self.tok.kind
        if kind in ASSIGN_OPS and not self.ended_with_block():
            if not isinstance(expr, (ast.Name, ast.Index, ast.Member)):
                self.error(start, "cannot assign to this expression (only to a variable, "
                                  "an element a[i] or a field p.f)")
            self.advance()
            value = self.parse_expr()
            if self.tok.kind in ASSIGN_OPS and not self.ended_with_block():
                return self.parse_chain(ast.Assign(expr, kind, None, **_pos(start)), value)
            return ast.Assign(expr, kind, value, **_pos(start))
        if kind == ":=":
            self.error(self.tok, "':=' declares a constant and needs a plain name on its left")
        return ast.ExprStmt(expr, **_pos(start))

    def parse_chain(self, first, target):
        """`t1 = t2 = ... = expr` (DECISIONS core row 40): `first` is the Assign
        of t1 (value None), `target` the expression just parsed, before `=`."""
        assigns = [first]
        while True:
            op = self.tok
            if first.op != "=" or op.kind != "=":
                self.error(first if first.op != "=" else op,
                           "a chained assignment `a = b = value` uses only `=` (`%s` "
                           "cannot be chained)" % (first.op if first.op != "=" else op.kind))
            if not isinstance(target, (ast.Name, ast.Index, ast.Member)):
                self.error(target, "cannot assign to this expression (only to a variable, "
                                   "an element a[i] or a field p.f)")
            assigns.append(ast.Assign(target, "=", None, line=target.line, col=target.col))
            self.advance()
            value = self.parse_expr()
            if self.tok.kind not in ASSIGN_OPS or self.ended_with_block():
                return ast.ChainAssign(assigns, value, line=first.line, col=first.col)
            target = value

    def parse_mut(self):
        start = self.advance()
        if self.tok.kind != "IDENT":
            self.error(self.tok, "expected a variable name after 'mut'")
        return self.parse_declaration(start, mutable=True, pub=False)

    def parse_declaration(self, start, mutable, pub):
        """`[pub] [mut] name [: T] (= | :=) value`; the current token is the name."""
        name = self.expect("IDENT", "expected a variable name")
        var_type = None
        if self.tok.kind == ":":
            self.advance()
            var_type = self.parse_type()
        kind = self.tok.kind
        if kind in ASSIGN_OPS and kind != "=":
            if mutable:
                self.error(start, "'mut' cannot be used with '%s': write 'mut %s = ...' to "
                                  "declare, or drop 'mut' to update" % (kind, name.value))
            self.error(self.tok, "'%s' cannot be used in a declaration" % kind)
        if kind not in ("=", ":="):
            self.error(self.tok, "expected '=' or ':=' in the declaration of '%s', found %s"
                       % (name.value, describe(self.tok)))
        const = kind == ":="
        if const and mutable:
            self.error(self.tok, "a constant (':=') cannot be 'mut'")
        self.advance()
        value = self.parse_expr()
        if self.tok.kind == "=" and not self.ended_with_block():
            self.error(self.tok, "a declaration cannot be chained: declare the variables "
                                 "first, then assign them with `a = b = value`")
        node = ast.VarDecl(name.value, mutable, var_type, value, const, pub, **_pos(start))
        node.name_line, node.name_col = name.line, name.col
        return node

    # ---------------------------------------------------------------- top-level only
    def parse_pub(self):
        start = self.advance()
        if self.block_depth:
            self.error(start, "'pub' is only allowed at the top level of a file")
        kind = self.tok.kind
        if kind == "fn" and self.peek_kind() == "IDENT":
            return self.parse_fn_def(start, pub=True)
        if kind == "struct":
            return self.parse_struct(start, pub=True)
        if kind == "enum":
            return self.parse_enum(start, pub=True)
        if kind == "impl":
            return self.parse_impl(start)     # methods of a pub struct are exported anyway
        if kind == "mut":
            self.advance()
            return self.parse_declaration(start, mutable=True, pub=True)
        if kind == "IDENT" and self.peek_kind() in (":", ":=", "="):
            return self.parse_declaration(start, mutable=False, pub=True)
        self.error(self.tok, "expected a declaration after 'pub' (fn, struct, enum, "
                             "'NAME: T := value' or 'mut NAME: T = value')")

    def parse_use(self):
        start = self.advance()
        if self.block_depth:
            self.error(start, "'use' declarations are only allowed at module scope")
        path = [self.expect("IDENT", "expected a module name after 'use'").value]
        while self.tok.kind == ".":
            self.advance()
            path.append(self.expect("IDENT", "expected a name after '.' in the module path").value)
        alias = None
        if self.tok.kind == "as":
            self.advance()
            alias = self.expect("IDENT", "expected a name after 'as'").value
        names = None
        if self.tok.kind == ":":
            self.advance()
            if self.tok.kind == "*":
                self.advance()
                names = "*"
            else:
                names = [self.parse_import_name()]
                while self.tok.kind == ",":
                    self.advance()
                    names.append(self.parse_import_name())
        return ast.Use(path, alias, names, **_pos(start))

    def parse_import_name(self):
        name = self.expect("IDENT", "expected a name to import").value
        if self.tok.kind == "as":
            self.advance()
            return name, self.expect("IDENT", "expected a name after 'as'").value
        return name, None

    # ---------------------------------------------------------------- control flow
    def parse_condition(self):
        cond = self.parse_expr()
        if self.tok.kind in ASSIGN_OPS and not self.ended_with_block():
            self.error(self.tok, "'%s' cannot be used in a condition. Did you mean '=='?"
                       % self.tok.kind)
        return cond

    def parse_if(self):
        if_tok = self.advance()
        branches = []
        cond = self.parse_condition()
        self.expect(":", "expected ':' after the if condition")
        branches.append(ast.IfBranch(cond, self.parse_suite(if_tok, "'if'"), **_pos(if_tok)))
        while self.tok.kind == "elif":
            elif_tok = self.advance()
            cond = self.parse_condition()
            self.expect(":", "expected ':' after the elif condition")
            body = self.parse_suite(elif_tok, "'elif'")
            branches.append(ast.IfBranch(cond, body, **_pos(elif_tok)))
        else_body = None
        if self.tok.kind == "else":
            else_tok = self.advance()
            if self.tok.kind == "if":
                self.error(self.tok, "'else if' is not valid Orus; write 'elif'")
            self.expect(":", "expected ':' after 'else'")
            else_body = self.parse_suite(else_tok, "'else'")
        return ast.If(branches, else_body, **_pos(if_tok))

    def parse_while(self, label=None, start=None):
        while_tok = self.advance()
        cond = self.parse_condition()
        self.expect(":", "expected ':' after the while condition")
        body = self.parse_suite(while_tok, "'while'")
        return ast.While(cond, body, label, **_pos(start or while_tok))

    def parse_for(self, label=None, start=None):
        for_tok = self.advance()
        var = self.expect("IDENT", "expected a loop variable name after 'for'").value
        self.expect("in", "expected 'in' after the loop variable")
        first = self.parse_expr()
        position = _pos(start or for_tok)
        if self.tok.kind in ("..", "..="):
            inclusive = self.advance().kind == "..="
            end = self.parse_expr()
            step = None
            if self.tok.kind == "..":
                self.advance()
                step = self.parse_expr()
            self.expect(":", "expected ':' after the for header")
            body = self.parse_suite(for_tok, "'for'")
            return ast.For(var, first, end, step, inclusive, body, label, **position)
        self.expect(":", "expected ':' after the for header")
        body = self.parse_suite(for_tok, "'for'")
        return ast.ForIn(var, first, body, label, **position)

    def parse_labeled_loop(self):
        label = self.advance()
        self.expect(":", "expected ':' after the label '%s" % label.value)
        if self.tok.kind == "for":
            return self.parse_for(label.value, label)
        if self.tok.kind == "while":
            return self.parse_while(label.value, label)
        self.error(self.tok, "a label must be followed by 'for' or 'while'")

    def parse_try(self):
        try_tok = self.advance()
        self.expect(":", "expected ':' after 'try'")
        body = self.parse_suite(try_tok, "'try'")
        if self.tok.kind != "catch":
            self.error(self.tok, "expected 'catch' after the try block (line %d)" % try_tok.line)
        catch_tok = self.advance()
        err_name = None
        if self.tok.kind == "IDENT":
            err_name = self.advance().value
        self.expect(":", "expected ':' after 'catch'")
        handler = self.parse_suite(catch_tok, "'catch'")
        return ast.Try(body, err_name, handler, **_pos(try_tok))

    def parse_orphan(self):
        tok = self.tok
        opener = "try" if tok.kind == "catch" else "if"
        self.error(tok, "'%s' without a matching '%s'" % (tok.kind, opener))

    # ---------------------------------------------------------------- functions
    def parse_fn_statement(self):
        if self.peek_kind() == "IDENT":
            return self.parse_fn_def(self.tok, pub=False)
        return self.parse_expression_statement()    # an anonymous function as a statement

    def parse_fn_def(self, start, pub):
        fn_tok = self.advance()
        name = self.expect("IDENT", "expected a function name after 'fn'").value
        params = self.parse_params()
        ret = self.parse_return_type()
        self.expect(":", "expected ':' after the signature of function '%s'" % name)
        body = self.parse_suite(fn_tok, "function '%s'" % name)
        return ast.FnDef(name, params, ret, body, pub, **_pos(start))

    def parse_params(self):
        self.expect("(", "expected '(' to start the parameter list")
        params = []
        while self.tok.kind != ")":
            name = self.expect("IDENT", "expected a parameter name")
            param_type = None
            if self.tok.kind == ":":
                self.advance()
                param_type = self.parse_type()
            params.append(ast.Param(name.value, param_type, **_pos(name)))
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != ")":
                self.error(self.tok, "expected ',' or ')' in the parameter list, found %s"
                           % describe(self.tok))
        self.advance()
        return params

    def parse_return_type(self):
        if self.tok.kind != "->":
            return None
        self.advance()
        return self.parse_type()

    # ---------------------------------------------------------------- declarations
    def parse_struct(self, start=None, pub=False):
        struct_tok = self.advance()
        name = self.expect("IDENT", "expected a struct name after 'struct'").value
        if self.tok.kind in ("[", "<"):
            self.error(self.tok, "structs cannot have type parameters")
        self.expect(":", "expected ':' after the struct name")
        self.open_block(struct_tok, "struct '%s'" % name)
        fields = []
        while self.tok.kind != "DEDENT":
            if self.skip_filler():
                continue
            if self.tok.kind == "pub":
                self.error(self.tok, "'pub' cannot mark a single field; "
                                     "write 'pub struct' to export the whole struct")
            field = self.expect("IDENT", "expected a field name")
            self.expect(":", "expected ':' after the field name '%s'" % field.value)
            field_type = self.parse_type()
            default = None
            if self.tok.kind == "=":
                self.advance()
                default = self.parse_expr()
            fields.append(ast.FieldDef(field.value, field_type, default, **_pos(field)))
            self.end_item("field")
        self.close_block()
        return ast.StructDef(name, fields, pub, **_pos(start or struct_tok))

    def parse_impl(self, start=None):
        impl_tok = self.advance()
        name = self.expect("IDENT", "expected a struct name after 'impl'").value
        self.expect(":", "expected ':' after the impl name")
        self.open_block(impl_tok, "impl '%s'" % name)
        methods = []
        while self.tok.kind != "DEDENT":
            if self.skip_filler():
                continue
            method_start = self.tok
            pub = False
            if self.tok.kind == "pub":
                self.advance()
                pub = True
            if self.tok.kind != "fn" or self.peek_kind() != "IDENT":
                self.error(self.tok, "only method definitions ('fn name(...)') are allowed "
                                     "inside an impl block")
            methods.append(self.parse_fn_def(method_start, pub))
        self.close_block()
        return ast.ImplDef(name, methods, **_pos(start or impl_tok))

    def parse_enum(self, start=None, pub=False):
        enum_tok = self.advance()
        name = self.expect("IDENT", "expected an enum name after 'enum'").value
        if self.tok.kind == "<":
            self.error(self.tok, "type parameters of an enum go in square brackets: "
                                 "'enum %s[T]:'" % name)
        type_params = []
        if self.tok.kind == "[":
            self.advance()
            type_params.append(self.expect("IDENT", "expected a type parameter name").value)
            while self.tok.kind == ",":
                self.advance()
                type_params.append(self.expect("IDENT", "expected a type parameter name").value)
            self.expect("]", "expected ']' after the type parameters")
        self.expect(":", "expected ':' after the enum name")
        self.open_block(enum_tok, "enum '%s'" % name)
        variants = []
        while self.tok.kind != "DEDENT":
            if self.skip_filler():
                continue
            variants.append(self.parse_variant())
            if self.tok.kind == ",":        # `A, B, C` on one line
                self.advance()
                continue
            self.end_item("variant")
        self.close_block()
        return ast.EnumDef(name, type_params, variants, pub, **_pos(start or enum_tok))

    def parse_variant(self):
        name = self.expect("IDENT", "expected a variant name")
        payload = []
        if self.tok.kind == "(":
            self.advance()
            while self.tok.kind != ")":
                field_name = None
                if self.tok.kind == "IDENT" and self.peek_kind() == ":":
                    field_name = self.advance().value
                    self.advance()
                payload.append((field_name, self.parse_type()))
                if self.tok.kind == ",":
                    self.advance()
                elif self.tok.kind != ")":
                    self.error(self.tok, "expected ',' or ')' in the variant payload, found %s"
                               % describe(self.tok))
            self.advance()
        return ast.VariantDef(name.value, payload, **_pos(name))

    def skip_filler(self):
        """Skip blank separators and `pass` inside struct/impl/enum blocks."""
        if self.tok.kind in ("NEWLINE", ";"):
            self.advance()
            return True
        if self.tok.kind == "pass":
            self.advance()
            self.end_item("'pass'")
            return True
        return False

    def end_item(self, what):
        if self.tok.kind in ("NEWLINE", ";"):
            self.advance()
        elif self.tok.kind != "DEDENT":
            self.error(self.tok, "expected the end of the line after the %s, found %s"
                       % (what, describe(self.tok)))

    # ---------------------------------------------------------------- match
    def parse_match_statement(self):
        match_tok = self.advance()
        subject = self.parse_expr()
        self.expect(":", "expected ':' after the match subject")
        if self.tok.kind != "NEWLINE":
            self.error(self.tok, "the arms of a match go on the following indented lines")
        arms = self.parse_match_arms(match_tok, expression=False)
        return ast.MatchStmt(subject, arms, **_pos(match_tok))

    def parse_match_arms(self, match_tok, expression):
        self.open_block(match_tok, "'match'")
        arms = []
        while self.tok.kind != "DEDENT":
            if self.tok.kind in ("NEWLINE", ";"):
                self.advance()
                continue
            arms.append(self.parse_match_arm(expression))
        self.close_block()
        return arms

    def parse_match_arm(self, expression):
        start = self.tok
        pattern = self.parse_pattern()
        arrow = self.expect("->", "expected '->' after the match pattern")
        if not expression:
            return ast.MatchArm(pattern, self.parse_suite(arrow, "the match arm"), **_pos(start))
        if self.tok.kind == "NEWLINE":
            self.error(arrow, "an arm of a match expression must be a single expression "
                              "on the same line as '->'")
        body = self.parse_expr()
        if self.tok.kind == "NEWLINE":
            self.advance()
        elif not self.ended_with_block():
            self.error(self.tok, "expected the end of the line after the match arm, found %s"
                       % describe(self.tok))
        return ast.MatchArm(pattern, body, **_pos(start))

    def parse_pattern(self):
        tok = self.tok
        if tok.kind == "IDENT":
            if tok.value == "_" and self.peek_kind() == "->":
                self.advance()
                return ast.WildcardPattern(**_pos(tok))
            variant = self.scan_variant_pattern()
            if variant is not None:
                return variant
        return ast.ValuePattern(self.parse_expr(), **_pos(tok))

    def scan_variant_pattern(self):
        """`A.B`, `A.B()`, `A.B(x, _)`, `m.A.B(x)` directly followed by '->'.

        Anything else (`E.A(5)`, `-1`, `LIMIT`) is left to the expression parser.
        """
        tokens = self.tokens
        start = self.pos
        names = [tokens[start].value]
        i = start + 1
        while self.kind_at(i) == "." and self.kind_at(i + 1) == "IDENT":
            names.append(tokens[i + 1].value)
            i += 2
        if len(names) < 2:
            return None
        bindings = None
        if self.kind_at(i) == "(":
            i += 1
            bindings = []
            while self.kind_at(i) == "IDENT":
                bindings.append(tokens[i].value)
                i += 1
                if self.kind_at(i) != ",":
                    break
                i += 1
            if self.kind_at(i) != ")":
                return None
            i += 1
        if self.kind_at(i) != "->":
            return None
        first = tokens[start]
        self.jump(i)
        return ast.VariantPattern(names[:-1], names[-1], bindings, **_pos(first))

    # ================================================================ types
    def parse_type(self):
        tok = self.tok
        self.enter(tok)
        if tok.kind == "IDENT":
            node = self.parse_named_type()
        elif tok.kind == "[":
            self.advance()
            elem = self.parse_type()
            size = None
            if self.tok.kind == ",":
                self.advance()
                size_tok = self.tok
                if size_tok.kind == "INT":
                    size = ast.IntLit(size_tok.value, size_tok.suffix, **_pos(size_tok))
                elif size_tok.kind == "IDENT":
                    size = ast.Name(size_tok.value, **_pos(size_tok))
                else:
                    self.error(size_tok, "the length in [T, N] must be an integer literal "
                                         "or a constant name")
                self.advance()
            self.expect("]", "expected ']' to close the array type")
            node = ast.ArrayType(elem, size, **_pos(tok))
        elif tok.kind == "fn":
            self.advance()
            self.expect("(", "expected '(' after 'fn' in a function type")
            params = []
            while self.tok.kind != ")":
                params.append(self.parse_type())
                if self.tok.kind == ",":
                    self.advance()
                elif self.tok.kind != ")":
                    self.error(self.tok, "expected ',' or ')' in the function type, found %s"
                               % describe(self.tok))
            self.advance()
            ret = self.parse_return_type()
            if isinstance(ret, ast.TypeName) and ret.name == "void":
                ret = None
            node = ast.FnType(params, ret, **_pos(tok))
        else:
            self.error(tok, "expected a type, found %s" % describe(tok))
        self.leave()
        return node

    def parse_named_type(self):
        """`i32`, `Point`, `geom.Point` (name "geom.Point"), `Maybe[i32]`."""
        tok = self.advance()
        name = tok.value
        while self.tok.kind == "." and self.peek_kind() == "IDENT":
            self.advance()
            name += "." + self.advance().value
        if self.tok.kind != "[":
            return ast.TypeName(name, **_pos(tok))
        self.advance()
        args = [self.parse_type()]
        while self.tok.kind == ",":
            self.advance()
            args.append(self.parse_type())
        self.expect("]", "expected ']' after the type arguments")
        return ast.GenericType(name, args, **_pos(tok))

    # ================================================================ expressions
    def parse_expr(self, min_prec=0):
        """Pratt loop: a prefix expression, then infix/postfix operators binding at
        least as tightly as ``min_prec``."""
        start = self.tok
        self.enter(start)
        outer = self.depth
        prefix = self._PREFIX.get(start.kind)
        if prefix is None:
            self.expected_expression()
        left = prefix(self)
        infix = self._INFIX
        last_compare = None         # "compare"/"cast" applied last at this level
        while True:
            tok = self.tok
            rule = infix.get(tok.kind)
            if rule is None or rule[0] < min_prec or self.ended_with_block():
                break
            prec, handler = rule
            if prec == COMPARE:
                kind = "cast" if tok.kind == "as" else "compare"
                if kind == last_compare:
                    if kind == "cast":
                        self.error(tok, "chained type casts are not allowed; use parentheses, "
                                        "e.g. (v as i64) as f64")
                    self.error(tok, "chained comparison; use `and` (a < b and b < c)")
                last_compare = kind
            else:
                last_compare = None
            self.enter(tok)         # each chained operator deepens the tree by one
            left = handler(self, left, tok, start)
        self.depth = outer - 1
        return left

    def expected_expression(self):
        tok = self.tok
        if tok.kind == "INDENT":
            self.error(tok, "unexpected indent")
        if tok.kind in ("NEWLINE", "EOF"):
            self.error(tok, "expected an expression before %s" % describe(tok))
        self.error(tok, "expected an expression, found %s" % describe(tok))

    # ---------------------------------------------------------------- prefix handlers
    def prefix_int(self):
        tok = self.advance()
        return ast.IntLit(tok.value, tok.suffix, **_pos(tok))

    def prefix_float(self):
        tok = self.advance()
        return ast.FloatLit(tok.value, tok.suffix, **_pos(tok))

    def prefix_string(self):
        tok = self.advance()
        return ast.StrLit(tok.value, **_pos(tok))

    def prefix_bool(self):
        tok = self.advance()
        return ast.BoolLit(tok.kind == "true", **_pos(tok))

    def prefix_name(self):
        tok = self.advance()
        if tok.value == "timestamp" and self.tok.kind == "(":
            self.advance()
            if self.tok.kind != ")":
                self.error(self.tok, "timestamp() takes no arguments")
            self.advance()
            return ast.Timestamp(**_pos(tok))
        if self.tok.kind == "{":
            return self.parse_struct_literal([tok.value], tok)
        return ast.Name(tok.value, **_pos(tok))

    def prefix_group(self):
        open_tok = self.advance()
        self.open_brackets += 1
        if self.tok.kind == ")":
            self.error(self.tok, "expected an expression inside '()'")
        expr = self.parse_expr()
        if self.tok.kind != ")":
            self.error(self.tok, "expected ')' to close the '(' of line %d, found %s"
                       % (open_tok.line, describe(self.tok)))
        self.advance()
        self.open_brackets -= 1
        self.grouped.add(id(expr))      # `(a + b) as T` is not a loose cast
        return expr

    def prefix_unary(self):
        tok = self.advance()
        operand = self.parse_expr(UNARY)
        op = "not" if tok.kind == "!" else tok.kind
        return ast.Unary(op, operand, **_pos(tok))

    def prefix_array(self):
        open_tok = self.advance()
        self.open_brackets += 1
        elems = []
        trailing_comma = False
        if self.tok.kind != "]":
            first = self.parse_expr()
            if self.tok.kind == ";":                 # [value; N]
                self.advance()
                count = self.parse_expr()
                self.expect("]", "expected ']' after the fill count")
                self.open_brackets -= 1
                return ast.ArrayFill(first, count, **_pos(open_tok))
            elems.append(first)
            while self.tok.kind == ",":
                self.advance()
                if self.tok.kind == "]":
                    trailing_comma = True
                    break
                elems.append(self.parse_expr())
        self.expect("]", "expected ',' or ']' in the array literal")
        self.open_brackets -= 1
        if len(elems) == 2 and not trailing_comma and isinstance(elems[1], (ast.IntLit, ast.Name)):
            # `[value, N]` is N copies of value, except as a call argument (see
            # parse_arguments).
            fill = ast.ArrayFill(elems[0], elems[1], **_pos(open_tok))
            fill.comma = True
            self.comma_fills[id(fill)] = fill
            return fill
        return ast.ArrayLit(elems, trailing_comma, **_pos(open_tok))

    def prefix_fn(self):
        """Anonymous function: `fn(params) -> T:` + an indented block (or, outside
        brackets, a one-line body)."""
        fn_tok = self.advance()
        params = self.parse_params()
        ret = self.parse_return_type()
        self.expect(":", "expected ':' after the signature of the anonymous function")
        if self.tok.kind != "NEWLINE" and self.open_brackets:
            self.error(self.tok, "an anonymous function inside brackets cannot have a body "
                                 "here; assign it to a variable first")
        body = self.parse_suite(fn_tok, "the anonymous function")
        return ast.Lambda(params, ret, body, **_pos(fn_tok))

    def prefix_match(self):
        match_tok = self.advance()
        subject = self.parse_expr()
        self.expect(":", "expected ':' after the match subject")
        if self.tok.kind != "NEWLINE":
            where = " (an indented block cannot start inside brackets)" if self.open_brackets else ""
            self.error(self.tok, "the arms of a match expression go on the following indented "
                                 "lines%s" % where)
        arms = self.parse_match_arms(match_tok, expression=True)
        return ast.MatchExpr(subject, arms, **_pos(match_tok))

    # ---------------------------------------------------------------- infix handlers
    _BINARY_OPS = {"matches": "=="}

    def infix_binary(self, left, tok, start):
        self.advance()
        right = self.parse_expr(self._INFIX[tok.kind][0] + 1)
        op = self._BINARY_OPS.get(tok.kind, tok.kind)
        return ast.Binary(op, left, right, **_pos(tok))

    def infix_cast(self, left, tok, start):
        self.advance()
        cast = ast.Cast(left, self.parse_type(), **_pos(tok))
        cast.loose = isinstance(left, ast.Binary) and id(left) not in self.grouped
        return cast

    def infix_question(self, left, tok, start):
        self.advance()
        then = self.parse_expr(TERNARY)
        self.expect(":", "expected ':' in the conditional expression 'c ? a : b'")
        other = self.parse_expr(TERNARY)
        return ast.Ternary(left, then, other, **_pos(tok))

    def infix_if(self, left, tok, start):
        self.advance()
        cond = self.parse_expr(OR)
        self.expect("else", "expected 'else' in the conditional expression 'a if c else b'")
        other = self.parse_expr(TERNARY)
        return ast.Ternary(cond, left, other, **_pos(tok))

    def infix_call(self, left, tok, start):
        return ast.Call(left, self.parse_arguments(in_call=True), **_pos(start))

    def infix_member(self, left, tok, start):
        self.advance()
        name = self.expect("IDENT", "expected a field or method name after '.'")
        return ast.Member(left, name.value, **_pos(start))

    def infix_index(self, left, tok, start):
        self.advance()
        self.open_brackets += 1
        first = None
        if self.tok.kind not in ("..", "..="):
            first = self.parse_expr()
        if self.tok.kind == "..=":
            self.error(self.tok, "a slice cannot use '..='; write a[start..end] "
                                 "(the end index is already included)")
        if self.tok.kind == "..":
            self.advance()
            end = None
            if self.tok.kind != "]":
                end = self.parse_expr()
            self.expect("]", "expected ']' to close the slice")
            node = ast.Slice(left, first, end, **_pos(start))
        else:
            self.expect("]", "expected ']' to close the index")
            node = ast.Index(left, first, **_pos(start))
        self.open_brackets -= 1
        return node

    def infix_struct(self, left, tok, start):
        """`Name{...}` after a qualified name such as `geom.Point`."""
        names = []
        node = left
        while isinstance(node, ast.Member):
            names.append(node.name)
            node = node.obj
        if not isinstance(node, ast.Name):
            self.error(tok, "unexpected '{' (a struct literal needs a struct name before it)")
        names.append(node.name)
        names.reverse()
        return self.parse_struct_literal(names, start)

    # ---------------------------------------------------------------- bracketed lists
    def parse_arguments(self, in_call):
        """`(a, b, ...)`; a trailing comma is allowed."""
        open_tok = self.advance()
        self.open_brackets += 1
        args = []
        while self.tok.kind != ")":
            arg = self.parse_expr()
            if in_call and id(arg) in self.comma_fills:
                # DATA.md §3.1: `f([3, 9])` passes the two elements 3 and 9.
                del self.comma_fills[id(arg)]
                arg = ast.ArrayLit([arg.value, arg.count], False, line=arg.line, col=arg.col)
            args.append(arg)
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != ")":
                self.error(self.tok, "expected ',' or ')' after the argument (the '(' is on "
                                     "line %d), found %s" % (open_tok.line, describe(self.tok)))
        self.advance()
        self.open_brackets -= 1
        return args

    def parse_struct_literal(self, type_name, start):
        self.advance()          # '{'
        self.open_brackets += 1
        fields = []
        while self.tok.kind != "}":
            field = self.expect("IDENT", "expected a field name in the struct literal")
            self.expect(":", "expected ':' after the field name '%s'" % field.value)
            fields.append(ast.FieldInit(field.value, self.parse_expr(), **_pos(field)))
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != "}":
                self.error(self.tok, "expected ',' or '}' in the struct literal, found %s"
                           % describe(self.tok))
        self.advance()
        self.open_brackets -= 1
        return ast.StructLit(type_name, fields, **_pos(start))

    # ================================================================ dispatch tables
    _STATEMENTS = {
        "print": parse_print,
        "if": parse_if,
        "while": parse_while,
        "for": parse_for,
        "fn": parse_fn_statement,
        "struct": parse_struct,
        "impl": parse_impl,
        "enum": parse_enum,
        "match": parse_match_statement,
        "try": parse_try,
        "use": parse_use,
        "pub": parse_pub,
        "break": parse_break,
        "continue": parse_continue,
        "return": parse_return,
        "pass": parse_pass,
        "mut": parse_mut,
        "LABEL": parse_labeled_loop,
        "elif": parse_orphan,
        "else": parse_orphan,
        "catch": parse_orphan,
    }

    _PREFIX = {
        "INT": prefix_int,
        "FLOAT": prefix_float,
        "STRING": prefix_string,
        "true": prefix_bool,
        "false": prefix_bool,
        "IDENT": prefix_name,
        "(": prefix_group,
        "[": prefix_array,
        "-": prefix_unary,
        "~": prefix_unary,
        "not": prefix_unary,
        "!": prefix_unary,
        "fn": prefix_fn,
        "match": prefix_match,
    }

    _INFIX = {
        "?": (TERNARY, infix_question),
        "if": (TERNARY, infix_if),
        "or": (OR, infix_binary),
        "and": (AND, infix_binary),
        "==": (COMPARE, infix_binary),
        "!=": (COMPARE, infix_binary),
        "<": (COMPARE, infix_binary),
        "<=": (COMPARE, infix_binary),
        ">": (COMPARE, infix_binary),
        ">=": (COMPARE, infix_binary),
        "matches": (COMPARE, infix_binary),
        "as": (COMPARE, infix_cast),
        "|": (BIT_OR, infix_binary),
        "^": (BIT_XOR, infix_binary),
        "&": (BIT_AND, infix_binary),
        "<<": (SHIFT, infix_binary),
        ">>": (SHIFT, infix_binary),
        "+": (SUM, infix_binary),
        "-": (SUM, infix_binary),
        "*": (PRODUCT, infix_binary),
        "/": (PRODUCT, infix_binary),
        "%": (PRODUCT, infix_binary),
        "(": (POSTFIX, infix_call),
        "[": (POSTFIX, infix_index),
        ".": (POSTFIX, infix_member),
        "{": (POSTFIX, infix_struct),
    }
