#!/usr/bin/env python3
"""Prints the slowest tests of the given .trx files (dotnet test results), slowest first, then the failed ones
with the head of their messages last, so that the tail of a CI log names what failed."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def seconds(duration):
    h, m, s = duration.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def message(result):
    node = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
    text = (node.text or "") if node is not None else ""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    return lines[:3]


rows, failed = [], []
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        continue
    for r in root.iter(NS + "UnitTestResult"):
        if r.get("duration"):
            rows.append((seconds(r.get("duration")), r.get("outcome"), r.get("testName")))
        if r.get("outcome") == "Failed":
            failed.append((r.get("testName"), r.get("duration"), message(r)))
rows.sort(reverse=True)
print(f"== slowest tests (of {len(rows)}), total {sum(r[0] for r in rows) / 60:.1f} min")
for secs, outcome, name in rows[:20]:
    print(f"{secs:7.1f} s  {outcome:8}  {name}")
if failed:
    print(f"== failed tests ({len(failed)})")
    for name, duration, lines in failed:
        print(f"FAILED {name} after {duration}")
        for line in lines:
            print(f"    {line[:300]}")
