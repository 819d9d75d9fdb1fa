#!/usr/bin/env python3
"""Fails when the daemon's sources ask sd-bus or sdbus-c++ for a caller's credentials themselves:
every sdbus-c++ 1.2 Message::getCreds*() passes SD_BUS_CREDS_AUGMENT, which reads /proc/PID of
whatever process has the pid by now (issue #15, item 1: pid reuse, setgid exec). Callers are known
from the bus driver's GetConnectionCredentials (daemon/bus/bus_caller.hpp) and nothing else."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
pattern = re.compile(r"getCreds\w*\s*\(|sd_bus_query_sender_creds|sd_bus_get_name_creds|SD_BUS_CREDS_AUGMENT|"
                     r"sd_bus_creds_get_(?:gid|egid|supplementary_gids|uid)")
found = []
for path in sorted(root.rglob("*")):
    if path.suffix not in {".cpp", ".hpp", ".c", ".h"}:
        continue
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.search(line):
            found.append(f"{path}:{number}: {line.strip()}")
if not any(root.rglob("*.cpp")):
    sys.exit(f"no sources under {root}")
if found:
    print("credentials read racily (from /proc) in the daemon:\n" + "\n".join(found))
    sys.exit(1)
print(f"no racy credential reads under {root}")
