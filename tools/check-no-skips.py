#!/usr/bin/env python3
"""Fails when meson's test log holds a skipped test (meson SKIP, or a GoogleTest case that
called GTEST_SKIP inside a passing binary) or when no test ran at all."""
import json
import sys

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
if not results:
    sys.exit("check-no-skips: no test ran")
skipped = [r["name"] for r in results if r.get("result") == "SKIP"]
skipped += [r["name"] for r in results if "[  SKIPPED ]" in (r.get("stdout") or "")]
if skipped:
    sys.exit("check-no-skips: skipped tests count as failures here: " + ", ".join(sorted(set(skipped))))
print(f"check-no-skips: {len(results)} tests ran, none skipped")
