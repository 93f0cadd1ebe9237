#!/usr/bin/env python3
"""The goals of the speed work (issues 12 and 14) as a table: each figure of this run beside the
previous run's and its goal. Figures are `name<TAB>value` lines written by bench/suite.sh.

    bench/table.py PREVIOUS.tsv NOW.tsv    (a missing PREVIOUS prints "—")
"""
import sys

# name, what it is, goal as (comparison, bound), unit
GOALS = [
    ("list32_ratio", "list accounts, 32 clients, SQLite: throughput / floor", (">=", 0.30), ""),
    ("list32_p99x", "list accounts, 32 clients, SQLite: p99 / floor p99", ("<=", 5.0), "×"),
    ("save32_p99", "save «Почта», 32 clients, SQLite: p99", ("<=", 50.0), " ms"),
    ("scale_p99x", "list, 10,000 tenants × 50 accounts vs 256 tenants, 32 clients, SQLite: p99", ("<=", 1.5), "×"),
    ("pg_list32_ratio", "PostgreSQL list, 32 clients: throughput / floor", (">=", 0.25), ""),
    ("rss_idle", "server RSS, SQLite: idle", ("<=", 30.0), " MiB"),
    ("rss_peak", "server RSS, SQLite: peak over the 1/32/256-client runs", ("<=", 100.0), " MiB"),
    ("bundle_br", "whole app JS + WASM + CSS, brotli", ("<=", 250.0), " KiB"),
    ("fcp", "«Почта» tab first contentful paint, headless Chromium, loopback, cold", ("<=", 100.0), " ms"),
    ("hydrated", "«Почта» tab hydrated, same runs", ("<=", 300.0), " ms"),
    ("drain_vs_curl", "outbox drain into Postfix, SQLite: letters/s / curl one process per letter (as swaks)", (">=", 0.8), "×"),
    ("drain_vs_curl_reuse", "the same, SQLite / curl sending all letters on one connection", (">=", 0.8), "×"),
    ("pg_drain_vs_curl_reuse", "the same on PostgreSQL / curl on one connection", (">=", 0.8), "×"),
    ("enqueue32_p99", "notification API, 32 clients, SQLite: p99 of a queued letter", None, " ms"),
    ("drain_rss_peak", "server RSS while draining the outbox", ("<=", 100.0), " MiB"),
    # Not a goal: the browser's own floor, the same document served as a static copy.
    ("fcp_floor", "the same document as a static copy, first contentful paint (the browser's floor)", None, " ms"),
]


def read(path):
    figures = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, _, value = line.rstrip("\n").partition("\t")
                try:
                    figures[name] = float(value)
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return figures


def show(value, unit):
    if value is None:
        return "—"
    text = f"{value:.2f}" if value < 10 else f"{value:.0f}"
    return text + unit


def main():
    previous, now = read(sys.argv[1]), read(sys.argv[2])
    print("| figure | goal | previous run | this run | met |")
    print("|---|---|---|---|---|")
    for name, label, goal, unit in GOALS:
        value = now.get(name)
        if goal is None:
            met, goal = "—", "—"
        else:
            op, bound = goal
            met = "—" if value is None else ("yes" if (value >= bound if op == ">=" else value <= bound) else "no")
            goal = f"{'≥' if op == '>=' else '≤'} {show(bound, unit)}"
        print(f"| {label} | {goal} | {show(previous.get(name), unit)} | {show(value, unit)} | {met} |")


if __name__ == "__main__":
    main()
