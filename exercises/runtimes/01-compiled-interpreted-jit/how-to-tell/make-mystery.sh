#!/bin/sh
# Makes three files from main.tern with uninformative names.
# Usage: sh make-mystery.sh [TERN]   (TERN defaults to `tern` on PATH)
set -e
TERN="${1:-tern}"
"$TERN" compile main.tern -o mystery-a
cp main.tern mystery-b
"$TERN" build main.tern -o mystery-c --target aarch64
