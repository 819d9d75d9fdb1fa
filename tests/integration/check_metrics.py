#!/usr/bin/python3
# Checks what `ifpinctl metrics` printed with a real Prometheus parser, Debian's python3-prometheus-client
# (text_string_to_metric_families), and compares every sample with `ifpinctl status --json`:
#
#   check_metrics.py METRICS_FILE STATUS_JSON_FILE   the figures of a running ifpind
#   check_metrics.py --down METRICS_FILE             ifpind not running: ifpin_up 0 and nothing else
#
# Besides parsing, each family must have a HELP text and a TYPE (counter or gauge), a name starting
# with ifpin_, and a counter's samples must end in _total. Prints every difference and exits 1 when
# there is one. Used by the integration tests (suite IfpinctlMonitoring) and the system test
# (tests/system/run-nspawn-test.sh). /usr/bin/python3 on purpose: Debian's python3-prometheus-client
# is installed for it, whatever python3 comes first in PATH.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

ROLE_STATES = ["enforced", "no-gateway", "link-down", "no-interface", "failed"]
LINK_STATES = ["up", "down", "no-carrier", "missing"]
HEALTH_STATES = ["healthy", "degraded", "down", "unknown"]


def parse(text):
    """{(sample name, frozenset of labels): value}, and the problems of form found."""
    problems = []
    samples = {}
    for family in text_string_to_metric_families(text):
        if not family.name.startswith("ifpin_"):
            problems.append(f"family {family.name}: the name does not start with ifpin_")
        if family.type not in ("counter", "gauge"):
            problems.append(f"family {family.name}: type {family.type} (no TYPE line?)")
        if not family.documentation:
            problems.append(f"family {family.name}: no HELP text")
        for sample in family.samples:
            if family.type == "counter" and not sample.name.endswith("_total"):
                problems.append(f"counter sample {sample.name} does not end in _total")
            key = (sample.name, frozenset(sample.labels.items()))
            if key in samples:
                problems.append(f"sample {sample.name}{sample.labels} appears twice")
            samples[key] = sample.value
    return samples, problems


def states(name, role, current, known):
    for state in known + ([] if current in known else [current]):
        yield (name, {"role": role, "state": state}), 1 if state == current else 0


def expected_from(status):
    expected = [(("ifpin_up", {}), 1), (("ifpin_build_info", {"version": status["version"]}), 1)]
    for role in status["roles"]:
        name = role["name"]
        only = {"role": name}
        expected.append((("ifpin_role_info", {"role": name, "interface": role["interface"]}), 1))
        expected.append((("ifpin_role_route_metric", only), role["metric"]))
        expected.extend(states("ifpin_role_state", name, role["state"], ROLE_STATES))
        expected.extend(states("ifpin_role_link_state", name, role["link_state"], LINK_STATES))
        for family in ("inet", "inet6"):
            expected.append((("ifpin_route_in_place", {"role": name, "family": family}),
                             1 if role[family]["route_in_place"] else 0))
        expected.append((("ifpin_outranking_routes", only), len(role["outranked_by"])))
        expected.append((("ifpin_restorations_total", only), role["restorations"]))
        expected.append((("ifpin_sockets_served_total", only), role["sockets_served"]))
        expected.append((("ifpin_socket_requests_denied_total", only), role["requests_denied"]))
        expected.append((("ifpin_egress_dropped_packets_total", only), role["egress_dropped"]))
        expected.append((("ifpin_return_routing", only), 1 if role["return_routing"] else 0))
        for family in ("inet", "inet6"):
            labels = {"role": name, "family": family}
            expected.append((("ifpin_reply_rules", labels), len(role[family]["reply_rules"])))
            expected.append((("ifpin_reply_route_in_place", labels), 1 if role[family]["reply_route_in_place"] else 0))
        for family, health in (role.get("health") or {}).items():
            for state in HEALTH_STATES + ([] if health["state"] in HEALTH_STATES else [health["state"]]):
                expected.append((("ifpin_role_health", {"role": name, "family": family, "state": state}),
                                 1 if state == health["state"] else 0))
            expected.append((("ifpin_role_demoted", {"role": name, "family": family}), 1 if health["demoted"] else 0))
            for target in health["targets"]:
                labels = {"role": name, "family": family, "target": target["target"]}
                expected.append((("ifpin_health_target_up", labels), 1 if target["status"] == "up" else 0))
                expected.append((("ifpin_health_target_failures", labels), target["failures_in_row"]))
                if target["rtt_ms"] is not None:
                    expected.append((("ifpin_health_target_rtt_seconds", labels), round(target["rtt_ms"] / 1000, 6)))

    return {(sample, frozenset(labels.items())): value for (sample, labels), value in expected}


def describe(key):
    name, labels = key
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels)) + "}"


def main(argv):
    if len(argv) == 3 and argv[1] == "--down":
        metrics_path, expected = argv[2], {("ifpin_up", frozenset()): 0}
    elif len(argv) == 3:
        metrics_path = argv[1]
        with open(argv[2], encoding="utf-8") as status_file:
            expected = expected_from(json.load(status_file))
    else:
        print("usage: check_metrics.py METRICS_FILE STATUS_JSON_FILE | --down METRICS_FILE", file=sys.stderr)
        return 2
    with open(metrics_path, encoding="utf-8") as metrics_file:
        text = metrics_file.read()
    try:
        samples, problems = parse(text)
    except ValueError as error:
        print(f"the parser refused {metrics_path}: {error}")
        return 1
    for key in sorted(set(expected) | set(samples), key=describe):
        if key not in samples:
            problems.append(f"missing: {describe(key)} (expected {expected[key]})")
        elif key not in expected:
            problems.append(f"not expected: {describe(key)} {samples[key]}")
        elif samples[key] != expected[key]:
            problems.append(f"{describe(key)} is {samples[key]}, ifpinctl status says {expected[key]}")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(samples)} samples parsed, all as ifpinctl status says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
