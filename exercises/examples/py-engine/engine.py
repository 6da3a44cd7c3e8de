#!/usr/bin/env python3
"""A small tree-walking interpreter for a subset of Tern, written the way a
student might: ints, strings, bools, arithmetic, comparisons, let, assignment,
if/else, while, print. Deliberately incomplete: no functions, structs, arrays,
floats or imports. It speaks the grader's engine protocol: exit 65 with a
`error: parse ...` header for syntax errors, 70 with `error: runtime ...` for
runtime errors, output before an error kept."""
import sys

KEYWORDS = {"let", "if", "else", "while", "true", "false", "nil", "print"}
PUNCT = ["->", "==", "!=", ":", ".", "[", "]", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "=", "(", ")", "{", "}", ";", ","]


class TernError(Exception):
    def __init__(self, phase, kind, line, col, msg):
        self.phase, self.kind, self.line, self.col, self.msg = phase, kind, line, col, msg


def lex(src):
    toks, i, line, col = [], 0, 1, 1
    while i < len(src):
        c = src[i]
        if c == "\n":
            i, line, col = i + 1, line + 1, 1
            continue
        if c in " \t\r":
            i, col = i + 1, col + 1
            continue
        if src.startswith("//", i):
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        start = (line, col)
        if c.isdigit():
            j = i
            while j < len(src) and src[j].isdigit():
                j += 1
            toks.append(("int", int(src[i:j]), start))
        elif c.isalpha() or c == "_":
            j = i
            while j < len(src) and (src[j].isalnum() or src[j] == "_"):
                j += 1
            word = src[i:j]
            toks.append(("kw" if word in KEYWORDS else "ident", word, start))
        elif c == '"':
            j, out = i + 1, ""
            while j < len(src) and src[j] != '"':
                if src[j] == "\n":
                    raise TernError("parse", "syntax", line, col, "unterminated string")
                if src[j] == "\\":
                    j += 1
                    esc = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}.get(src[j:j + 1])
                    if esc is None:
                        raise TernError("parse", "syntax", line, col + (j - i), "bad escape")
                    out += esc
                else:
                    out += src[j]
                j += 1
            if j >= len(src):
                raise TernError("parse", "syntax", line, col, "unterminated string")
            j += 1
            toks.append(("str", out, start))
        else:
            for p in PUNCT:
                if src.startswith(p, i):
                    toks.append(("p", p, start))
                    j = i + len(p)
                    break
            else:
                raise TernError("parse", "syntax", line, col, f"unexpected character {c!r}")
        col += j - i
        i = j
    toks.append(("eof", None, (line, col)))
    return toks


class Parser:
    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self):
        return self.toks[self.i]

    def at(self, kind, value=None):
        t = self.peek()
        return t[0] == kind and (value is None or t[1] == value)

    def eat(self, kind, value=None):
        t = self.peek()
        if not self.at(kind, value):
            what = "end of file" if t[0] == "eof" else repr(t[1])
            raise TernError("parse", "syntax", t[2][0], t[2][1], f"unexpected {what}, expected {value or kind}")
        self.i += 1
        return t

    def program(self):
        stmts = []
        while not self.at("eof"):
            stmts.append(self.stmt())
        return stmts

    def block(self):
        self.eat("p", "{")
        stmts = []
        while not self.at("p", "}"):
            stmts.append(self.stmt())
        self.eat("p", "}")
        return ("block", stmts)

    def stmt(self):
        t = self.peek()
        if t[0] == "ident" and t[1] in ("fn", "struct", "import", "for"):
            raise TernError("parse", "syntax", t[2][0], t[2][1], f"`{t[1]}` is not supported by this engine yet")
        if self.at("kw", "let"):
            self.eat("kw")
            name = self.eat("ident")
            self.eat("p", "=")
            e = self.expr()
            self.eat("p", ";")
            return ("let", name[1], e)
        if self.at("kw", "if"):
            return self.if_stmt()
        if self.at("kw", "while"):
            self.eat("kw")
            cond = self.expr()
            return ("while", cond, self.block())
        if self.at("p", "{"):
            return self.block()
        e = self.expr()
        if self.at("p", "="):
            eq = self.eat("p")
            if e[0] != "var":
                raise TernError("parse", "syntax", eq[2][0], eq[2][1], "invalid assignment target")
            v = self.expr()
            self.eat("p", ";")
            return ("assign", e[1], v, e[2])
        self.eat("p", ";")
        return ("expr", e)

    def if_stmt(self):
        self.eat("kw", "if")
        cond = self.expr()
        then = self.block()
        other = None
        if self.at("kw", "else"):
            self.eat("kw")
            other = self.if_stmt() if self.at("kw", "if") else self.block()
        return ("if", cond, then, other)

    LEVELS = [["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"], ["*", "/", "%"]]

    def expr(self, level=0):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.expr(level + 1)
        while self.peek()[0] == "p" and self.peek()[1] in self.LEVELS[level]:
            op = self.eat("p")
            right = self.expr(level + 1)
            left = ("bin", op[1], left, right, op[2])
        return left

    def unary(self):
        if self.at("p", "-") or self.at("p", "!"):
            op = self.eat("p")
            return ("un", op[1], self.unary(), op[2])
        return self.primary()

    def primary(self):
        t = self.peek()
        if t[0] in ("int", "str"):
            self.i += 1
            return ("lit", t[1])
        if t[0] == "kw" and t[1] in ("true", "false", "nil"):
            self.i += 1
            return ("lit", {"true": True, "false": False, "nil": None}[t[1]])
        if t[0] == "kw" and t[1] == "print":
            self.i += 1
            self.eat("p", "(")
            e = self.expr()
            self.eat("p", ")")
            return ("print", e)
        if t[0] == "ident":
            self.i += 1
            if self.at("p", "("):
                raise TernError("parse", "syntax", t[2][0], t[2][1], "function calls are not supported by this engine yet")
            return ("var", t[1], t[2])
        if self.at("p", "("):
            self.eat("p")
            e = self.expr()
            self.eat("p", ")")
            return e
        what = "end of file" if t[0] == "eof" else repr(t[1])
        raise TernError("parse", "syntax", t[2][0], t[2][1], f"unexpected {what}")


def fmt(v):
    if v is None:
        return "nil"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def wrap(n):
    return (n + 2**63) % 2**64 - 2**63


class Interp:
    def __init__(self):
        self.scopes = [{}]

    def lookup(self, name, pos):
        for s in reversed(self.scopes):
            if name in s:
                return s
        raise TernError("runtime", "name", pos[0], pos[1], f"unknown variable `{name}`")

    def run(self, stmts):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        tag = s[0]
        if tag == "let":
            self.scopes[-1][s[1]] = self.eval(s[2])
        elif tag == "assign":
            scope = self.lookup(s[1], s[3])
            scope[s[1]] = self.eval(s[2])
        elif tag == "expr":
            self.eval(s[1])
        elif tag == "block":
            self.scopes.append({})
            try:
                self.run(s[1])
            finally:
                self.scopes.pop()
        elif tag == "if":
            if self.cond(s[1]):
                self.stmt(s[2])
            elif s[3] is not None:
                self.stmt(s[3])
        elif tag == "while":
            while self.cond(s[1]):
                self.stmt(s[2])

    def cond(self, e):
        v = self.eval(e)
        if not isinstance(v, bool):
            raise TernError("runtime", "type", 1, 1, "condition is not a bool")
        return v

    def eval(self, e):
        tag = e[0]
        if tag == "lit":
            return e[1]
        if tag == "var":
            return self.lookup(e[1], e[2])[e[1]]
        if tag == "print":
            print(fmt(self.eval(e[1])))
            return None
        if tag == "un":
            v = self.eval(e[2])
            if e[1] == "-" and type(v) is int:
                return wrap(-v)
            if e[1] == "!" and isinstance(v, bool):
                return not v
            raise TernError("runtime", "type", e[3][0], e[3][1], f"bad operand for unary {e[1]}")
        op, pos = e[1], e[4]
        if op in ("&&", "||"):
            a = self.eval(e[2])
            if not isinstance(a, bool):
                raise TernError("runtime", "type", pos[0], pos[1], f"operands of {op} must be bool")
            if (op == "&&" and not a) or (op == "||" and a):
                return a
            b = self.eval(e[3])
            if not isinstance(b, bool):
                raise TernError("runtime", "type", pos[0], pos[1], f"operands of {op} must be bool")
            return b
        a, b = self.eval(e[2]), self.eval(e[3])
        if type(a) is not type(b):
            raise TernError("runtime", "type", pos[0], pos[1], f"operand type mismatch for {op}")
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "+" and isinstance(a, str):
            return a + b
        if type(a) is int:
            if op in ("/", "%") and b == 0:
                raise TernError("runtime", "div-zero", pos[0], pos[1], "division by zero")
            if op == "+": return wrap(a + b)
            if op == "-": return wrap(a - b)
            if op == "*": return wrap(a * b)
            if op == "/":
                q = abs(a) // abs(b)
                return wrap(q if (a >= 0) == (b >= 0) else -q)
            if op == "%":
                r = abs(a) % abs(b)
                return r if a >= 0 else -r
        if type(a) in (int, str) and op in ("<", "<=", ">", ">="):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        raise TernError("runtime", "type", pos[0], pos[1], f"bad operands for {op}")


def main():
    path = sys.argv[1]
    try:
        src = open(path, encoding="utf-8").read()
    except OSError as err:
        print(f"error: cannot read {path}: {err}", file=sys.stderr)
        return 66
    try:
        program = Parser(lex(src)).program()
    except TernError as err:
        print(f"error: {err.phase} {err.kind} at {path}:{err.line}:{err.col}: {err.msg}", file=sys.stderr)
        return 65
    try:
        Interp().run(program)
    except TernError as err:
        sys.stdout.flush()
        print(f"error: {err.phase} {err.kind} at {path}:{err.line}:{err.col}: {err.msg}", file=sys.stderr)
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())
