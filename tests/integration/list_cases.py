#!/usr/bin/env python3
"""Prints the GoogleTest cases of one suite in a source file, one name a line: every
`TEST_F(SUITE, NAME)` at the start of a line. meson.build makes each a meson test of its own; the
MesonRegistration case checks the compiled binary against this list, so a case this misses (a macro
of another shape) fails the build's tests instead of never running."""
import re
import sys

source, suite = sys.argv[1], sys.argv[2]
pattern = re.compile(r"^TEST_F\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.MULTILINE)
with open(source, encoding="utf-8") as text:
    names = [name for found, name in pattern.findall(text.read()) if found == suite]
if not names:
    sys.exit(f"{source}: no TEST_F({suite}, ...) cases")
print("\n".join(names))
