#!/usr/bin/env python3
"""Your first Tern engine. Grade it with `grader run .` in this directory.

Step 1 (exercise engine-starter): run programs made of `print(LITERAL);`
statements, where LITERAL is an int (`42`) or a string (`"hi\\n"`, with the
escapes \\n \\t \\r \\\\ \\" \\0). Print each value on its own line.

Step 2 (exercise engine-starter-syntax): anything else is a syntax error.
Parse the WHOLE file before running any of it; on an error print nothing on
stdout, write one line to stderr

    error: parse syntax at FILE:LINE:COL: MESSAGE

(1-based line and column of the offending token) and exit 65.

The protocol is in grader/PROTOCOL.md: the grader runs
`python3 engine.py FILE` (see engine.yaml) and reads stdout, stderr and the
exit code.
"""
import sys


def parse(src):
    """Returns the list of values to print, or raises an error. TODO."""
    # TODO: split `src` into tokens (names, int and string literals, `(`, `)`, `;`),
    # keeping each token's line and column, then check that they form
    # `print ( LITERAL ) ;` statements.
    return []


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        src = f.read()
    program = parse(src)
    for value in program:
        print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
