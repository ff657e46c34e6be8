#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Unit test: the trace export is JSON that Chrome/Perfetto can load. Runs `test_trace --dump` (a sample
of every layer's events in a ring of 10 that has wrapped) and checks the document with a real parser:
the trace-event fields, microsecond timestamps in order, the dropped count, and named arguments."""
import json
import subprocess
import sys

failed = 0


def check(name, ok, detail=""):
    global failed
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))
    failed += 0 if ok else 1


def main():
    out = subprocess.run([sys.argv[1], "--dump"], capture_output=True, text=True, timeout=30)
    check("test_trace --dump exits 0", out.returncode == 0, out.stderr)
    try:
        doc = json.loads(out.stdout)
    except ValueError as e:
        check("the export parses as JSON", False, f"{e}: {out.stdout[:300]}")
        return 1
    check("the export parses as JSON", True)
    check("displayTimeUnit is ns", doc.get("displayTimeUnit") == "ns")
    other = doc.get("otherData", {})
    check("otherData: capacity 10, 10 events, 2 dropped",
          (other.get("capacity"), other.get("events"), other.get("dropped")) == (10, 10, 2), str(other))
    events = [e for e in doc.get("traceEvents", []) if e.get("ph") != "M"]
    check("10 events besides metadata", len(events) == 10, str(len(events)))
    fields_ok = all(isinstance(e.get("name"), str) and isinstance(e.get("cat"), str) and e.get("ph") in "BEi"
                    and isinstance(e.get("ts"), (int, float)) and e.get("pid") == 1 and isinstance(e.get("tid"), int)
                    and isinstance(e.get("args"), dict) and e["args"].get("conn") == e["tid"] for e in events)
    check("every event has name, cat, ph, ts, pid, tid and args.conn", fields_ok, json.dumps(events)[:300])
    ts = [e["ts"] for e in events]
    check("timestamps never go backwards", ts == sorted(ts), str(ts))
    # The two oldest (frame_rx B, tcp_seg_in) were overwritten: the ring starts at the accept.
    names = [e["name"] for e in events]
    check("the oldest two events were the ones dropped", names[0] == "tcp_accept" and "tcp_seg_in" not in names,
          str(names))
    check("timestamps are microseconds with nanosecond decimals", abs(events[0]["ts"] - 5000001.234) < 1e-6,
          str(events[0]["ts"]))
    http_end = [e for e in events if e["name"] == "http_request" and e["ph"] == "E"]
    check("http_request end carries status and body_len",
          len(http_end) == 1 and http_end[0]["args"] == {"conn": 3, "status": 200, "body_len": 80}, str(http_end))
    seg = [e for e in events if e["name"] == "tcp_seg_out"]
    check("tcp_seg_out splits flags and len", seg and seg[0]["args"] == {"conn": 3, "port": 40000, "flags": 24,
                                                                         "len": 150}, str(seg))
    check("instant events are thread-scoped", all(e.get("s") == "t" for e in events if e["ph"] == "i"))
    check("policy_decision (reserved for the gateway) exports", "policy_decision" in names)
    print(f"check_trace_json: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
