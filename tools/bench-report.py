#!/usr/bin/env python3
"""Turns the benchmarks' RESULT lines (RESULT|group|name|value|unit|note) into the Markdown of
docs/performance.md: the machine, every figure, ratios to the baselines measured in the same run,
and the targets met or missed. Used by tools/bench.sh.

Usage: bench-report.py RESULTS [--update FILE]   (without --update: print the Markdown)
With --update, the text between "<!-- bench:begin -->" and "<!-- bench:end -->" in FILE is
replaced, so that the hand-written analysis around it stays."""
import datetime
import os
import platform
import re
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"CPU: {model}; cores: {os.cpu_count()}; kernel: {platform.release()}; date: {now}; "
            f"load average at the end: {load}")


def parse(path):
    results = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if len(parts) >= 6 and parts[0] == "RESULT":
                results.append((parts[1], parts[2], parts[3], parts[4], "|".join(parts[5:])))
    return results


def fmt(value):
    v = float(value)
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"


# (name, comparison, limit): checked when the figure is there.
TARGETS = [
    ("libifpin log=warning, 1 socket, 1 client(s) p50", "<", 30),
    ("libifpin log=info, 1 socket, 1 client(s) p50", "<", 30),
    ("libifpin log=warning, batch 64, 1 client(s) p50 per socket", "<", 8),
    ("libifpin log=info, batch 64, 1 client(s) p50 per socket", "<", 8),
    ("one CPU: libifpin log=warning, 1 socket, 1 client(s) p50", "<", 30),
    ("one CPU: libifpin log=info, 1 socket, 1 client(s) p50", "<", 30),
    ("one CPU: libifpin log=warning, batch 64, 1 client(s) p50 per socket", "<", 8),
    ("one CPU: libifpin log=info, batch 64, 1 client(s) p50 per socket", "<", 8),
    ("libifpin log=warning, 1 socket p50 / minimal broker's", "<=", 1.5),
    ("libifpin log=info, 1 socket p50 / minimal broker's", "<=", 1.5),
    ("libifpin log=warning, batch 64 per socket / in-process", "<=", 1.3),
    ("libifpin log=info, batch 64 per socket / in-process", "<=", 1.3),
    ("one CPU: libifpin log=warning, 1 socket p50 / minimal broker's", "<=", 1.5),
    ("one CPU: libifpin log=info, 1 socket p50 / minimal broker's", "<=", 1.5),
    ("one CPU: libifpin log=warning, batch 64 per socket / in-process", "<=", 1.3),
    ("one CPU: libifpin log=info, batch 64 per socket / in-process", "<=", 1.3),
    ("IPv4 foreign default at wrong metric -> its DELROUTE p50", "<", 200),
    ("IPv4 foreign default at wrong metric -> its DELROUTE p99", "<", 2000),
    ("IPv4 ifpind's route deleted -> its NEWROUTE p50", "<", 200),
    ("IPv4 ifpind's route deleted -> its NEWROUTE p99", "<", 2000),
    ("IPv6 foreign default at wrong metric -> its DELROUTE p50", "<", 200),
    ("IPv6 foreign default at wrong metric -> its DELROUTE p99", "<", 2000),
    ("IPv6 ifpind's route deleted -> its NEWROUTE p50", "<", 200),
    ("IPv6 ifpind's route deleted -> its NEWROUTE p99", "<", 2000),
    ("IPv4 ifpind's rule deleted -> its NEWRULE p50", "<", 200),
    ("IPv4 ifpind's rule deleted -> its NEWRULE p99", "<", 2000),
    ("IPv6 ifpind's rule deleted -> its NEWRULE p50", "<", 200),
    ("IPv6 ifpind's rule deleted -> its NEWRULE p99", "<", 2000),
    ("ifpind start to READY=1", "<", 1000),
    ("ifpind start to default routes on both uplinks (settled)", "<", 100),
    ("ifpind VmHWM after start", "<", 16),
    ("ifpind VmHWM after churn", "<", 16),
    ("ifpind churn: CPU of one core", "<", 20),
    ("wake-ups per second, private bus", "==", 0),
    ("overflow: ifpind logged \"events were lost\"", "==", 1),
    ("UDP pinned / socket() + SO_BINDTODEVICE", "<=", 1.1),
    ("TCP pinned / socket() + SO_BINDTODEVICE", "<=", 1.1),
    # Uplink health: within one interval of the bound interval x threshold (0.5 s x 3), and CPU.
    ("fail-over: gateway dead -> routes demoted (both families), worst", "<=", 2000),
    ("fail-back: gateway answers -> routes at their metric, worst", "<=", 2000),
    ("ifpind CPU, 16 roles with health checks (ICMP every 1 s, both families)", "<", 1),
]


def broker_ratio(values, prefix, label, kind, clients):
    lib = values.get(f"{prefix}libifpin log={label}, {kind}, {clients} client(s) p50")
    base = values.get(f"{prefix}baseline in-process socket+SO_BINDTODEVICE, {kind}, {clients} client(s) p50")
    if lib is None or not base:
        return None
    row = (f"| {prefix}broker p50, log={label}, {kind}, {clients} client(s) | {fmt(lib)} µs | "
           f"in-process {fmt(base)} µs | {lib / base:.1f}x |")
    scm = values.get(f"{prefix}baseline SCM_RIGHTS round trip, {clients} client(s) p50")
    fresh = values.get(f"{prefix}baseline fresh connection + SCM_RIGHTS round trip, {clients} client(s) p50")
    floor = values.get(f"{prefix}minimal broker, {kind}, {clients} client(s) p50")
    if floor:
        row += f" minimal broker {fmt(floor)} µs: {lib / floor:.2f}x;"
    if kind == "1 socket" and scm:
        row += f" SCM_RIGHTS {fmt(scm)} µs: {lib / scm:.1f}x"
        if fresh:
            row += f"; fresh connection + SCM_RIGHTS {fmt(fresh)} µs: {lib / fresh:.1f}x"
    return row + " |"


def ratios(values):
    rows = []
    for prefix in ("", "one CPU: "):
        for label in ("warning", "info"):
            for kind in ("1 socket", "batch 64"):
                for clients in (1, 8):
                    row = broker_ratio(values, prefix, label, kind, clients)
                    if row:
                        rows.append(row)
    base = values.get("baseline netlink round trip (add+ack, table 100) p50")
    rule_base = values.get("baseline netlink rule round trip (add+ack, priority 500) p50")
    for name, value in values.items():
        if not ("-> its" in name and (name.endswith("p50") or name.endswith("p99"))):
            continue
        # A rule's restoration beside a rule's round trip, a route's beside a route's.
        if "NEWRULE" in name and rule_base:
            route_trip = f"route round trip p50 {fmt(base)} µs" if base else ""
            rows.append(f"| reconcile {name} | {fmt(value)} µs | netlink rule round trip p50 {fmt(rule_base)} µs | "
                        f"{value / rule_base:.1f}x | {route_trip} |")
        elif base:
            rows.append(f"| reconcile {name} | {fmt(value)} µs | netlink round trip p50 {fmt(base)} µs | "
                        f"{value / base:.1f}x | |")
    # What return routing's rules and reply tables cost a start among 1,100,000 routes.
    for figure, unit in (("start to READY=1", "ms"), ("VmHWM after start", "MiB"), ("CPU used to start", "s")):
        with_rules = values.get(f"ifpind {figure}")
        without = values.get(f"ifpind without return routing {figure}")
        if with_rules is not None and without:
            rows.append(f"| scale: ifpind {figure}, return routing on | {fmt(with_rules)} {unit} | "
                        f"without return routing {fmt(without)} {unit} | {with_rules / without:.2f}x | |")
    return rows


def derived(values):
    """The issue-19 targets are ratios to floors measured in the same run."""
    out = {}
    for prefix in ("", "one CPU: "):
        for label in ("warning", "info"):
            lib = values.get(f"{prefix}libifpin log={label}, 1 socket, 1 client(s) p50")
            floor = values.get(f"{prefix}minimal broker, 1 socket, 1 client(s) p50")
            if lib and floor:
                out[f"{prefix}libifpin log={label}, 1 socket p50 / minimal broker's"] = lib / floor
            lib = values.get(f"{prefix}libifpin log={label}, batch 64, 1 client(s) p50 per socket")
            base = values.get(f"{prefix}baseline in-process socket+SO_BINDTODEVICE, batch 64, 1 client(s) p50 per socket")
            if lib and base:
                out[f"{prefix}libifpin log={label}, batch 64 per socket / in-process"] = lib / base
    return out


def render(results):
    values = {name: float(value) for _, name, value, _, _ in results if value not in ("", None)}
    values.update(derived(values))
    out = [BEGIN, "", f"Machine: {machine()}.", ""]
    loads = [f"{group}: {note}" for group, name, _, _, note in results if name.startswith("load average")]
    if loads:
        out += ["Load average (1, 5, 15 min) when each part started: " + "; ".join(loads) + ".", ""]
    out += ["### Targets", "", "| figure | value | target | met |", "|---|---|---|---|"]
    for name, op, limit in TARGETS:
        if name in values:
            v = values[name]
            met = v < limit if op == "<" else v <= limit if op == "<=" else v == limit
            if name.startswith("overflow"):
                v = "yes" if v == 1 else "no"
                out.append(f"| {name} | {v} | yes | {'yes' if met else '**no**'} |")
                continue
            out.append(f"| {name} | {fmt(v)} | {op} {limit} | {'yes' if met else '**no**'} |")
    lost = [name for name in values if "NOT" in name and not name.startswith("networkd")]
    for name in lost:
        out.append(f"| {name} | {fmt(values[name])} | 0 | **no** |")
    out += ["", "### Beside the baselines", "", "| figure | value | baseline | ratio | |", "|---|---|---|---|---|"]
    out += ratios(values)
    peer_rows = [("start to READY=1", "ms"), ("start to default routes on both uplinks (settled)", "ms"),
                 ("VmHWM after start", "MiB"), ("CPU used to start", "s"), ("churn: CPU of one core", "%"),
                 ("VmHWM after churn", "MiB"), ("foreign default during churn corrected after", "µs")]
    if any(name.startswith("networkd ") for name in values):
        out += ["", "### ifpind and systemd-networkd in the same 1,100,000-route namespace", "",
                "| figure | ifpind | systemd-networkd |", "|---|---|---|"]
        for row, unit in peer_rows:
            cells = []
            for who in ("ifpind", "networkd"):
                v = values.get(f"{who} {row}")
                cells.append(f"{fmt(v)} {unit}" if v is not None else "never / not measured")
            out.append(f"| {row} | {cells[0]} | {cells[1]} |")
    groups = []
    for group, *_ in results:
        if group not in groups:
            groups.append(group)
    for group in groups:
        out += ["", f"### All figures: {group}", "", "| figure | value | unit | note |", "|---|---|---|---|"]
        for g, name, value, unit, note in results:
            if g == group and not name.startswith("load average"):
                out.append(f"| {name} | {fmt(value) if value else ''} | {unit} | {note} |")
    out += ["", END]
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    text = render(parse(sys.argv[1]))
    if len(sys.argv) == 4 and sys.argv[2] == "--update":
        path = sys.argv[3]
        doc = open(path).read() if os.path.exists(path) else f"# Performance\n\n{BEGIN}\n{END}\n"
        if BEGIN not in doc or END not in doc:
            doc += f"\n{BEGIN}\n{END}\n"
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, doc, flags=re.S)
        with open(path, "w") as f:
            f.write(doc)
    print(text)


if __name__ == "__main__":
    main()
