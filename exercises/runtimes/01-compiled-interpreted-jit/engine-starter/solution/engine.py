#!/usr/bin/env python3
"""A tiny Tern interpreter: the reference solution of the engine track's first
step. It understands one statement, `print(LITERAL);`, where LITERAL is an int
or a string, and it speaks the grader's protocol: output on stdout, one
diagnostic header on stderr, exit 0 / 65.

Usage: python3 engine.py FILE
"""
import sys

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}


class SyntaxFailure(Exception):
    def __init__(self, line, col, message):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def tokens(src):
    """Yields (kind, value, line, col); kind is int, str, name, punct or eof."""
    i, line, col = 0, 1, 1
    while i < len(src):
        c = src[i]
        if c == "\n":
            i, line, col = i + 1, line + 1, 1
        elif c in " \t\r":
            i, col = i + 1, col + 1
        elif src.startswith("//", i):
            while i < len(src) and src[i] != "\n":
                i += 1
        elif c.isdigit():
            j = i
            while j < len(src) and src[j].isdigit():
                j += 1
            if j < len(src) and (src[j].isalpha() or src[j] == "_"):
                raise SyntaxFailure(line, col, "invalid number literal")
            value = int(src[i:j])
            if value > 2**63 - 1:
                raise SyntaxFailure(line, col, "integer literal does not fit in 64 bits")
            yield ("int", value, line, col)
            col += j - i
            i = j
        elif c == '"':
            start_col, j, text = col, i + 1, []
            while True:
                if j >= len(src) or src[j] == "\n":
                    raise SyntaxFailure(line, start_col, "unterminated string literal")
                if src[j] == '"':
                    break
                if src[j] == "\\":
                    nxt = src[j + 1] if j + 1 < len(src) else ""
                    if nxt not in ESCAPES:
                        raise SyntaxFailure(line, start_col + (j - i), "invalid escape sequence")
                    text.append(ESCAPES[nxt])
                    j += 2
                else:
                    text.append(src[j])
                    j += 1
            yield ("str", "".join(text), line, start_col)
            col += j + 1 - i
            i = j + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < len(src) and (src[j].isalnum() or src[j] == "_"):
                j += 1
            yield ("name", src[i:j], line, col)
            col += j - i
            i = j
        elif c in "();":
            yield ("punct", c, line, col)
            i, col = i + 1, col + 1
        else:
            raise SyntaxFailure(line, col, f"unexpected character `{c}`")
    yield ("eof", None, line, col)


def parse(src):
    """The whole file is parsed before anything runs: a syntax error anywhere means no output."""
    toks = list(tokens(src))
    pos = 0
    program = []

    def expect(kind, value, what):
        nonlocal pos
        k, v, line, col = toks[pos]
        if k != kind or v != value:
            found = "end of file" if k == "eof" else f"`{v}`"
            raise SyntaxFailure(line, col, f"expected {what}, found {found}")
        pos += 1

    while toks[pos][0] != "eof":
        expect("name", "print", "`print`")
        expect("punct", "(", "`(`")
        k, v, line, col = toks[pos]
        if k not in ("int", "str"):
            found = "end of file" if k == "eof" else f"`{v}`"
            raise SyntaxFailure(line, col, f"expected an int or string literal, found {found}")
        pos += 1
        expect("punct", ")", "`)`")
        expect("punct", ";", "`;`")
        program.append(v)
    return program


def main():
    if len(sys.argv) != 2:
        print("usage: engine.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"tern: cannot read {path}: {e}", file=sys.stderr)
        return 66
    try:
        program = parse(src)
    except SyntaxFailure as e:
        print(f"error: parse syntax at {path}:{e.line}:{e.col}: {e.message}", file=sys.stderr)
        return 65
    for value in program:
        print(value)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
