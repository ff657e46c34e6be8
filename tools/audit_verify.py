#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Verifies the hub's audit log straight from its disk image, without the hub.

Reads the crash-safe store as services/store.h documents it (checkpoints, segments, records with
CRC32C), takes every live audit record (type 3, key "audit"), and checks the hash chain the way
web/audit.h describes it: consecutive seq from 1, each entry's own SHA-256, each entry's prev equal to
the previous entry's hash, and the log order agreeing with seq. Stricter than the hub itself: a record
whose CRC fails anywhere in the live log is reported, as is anything the store would silently skip.

usage: tools/audit_verify.py DISK_IMAGE [--offset BYTES] [--selftest-bytes BYTES]
                             [--expect-head SEQ:HASH] [--list]
Exit status: 0 the chain verifies; 1 tampering or damage found (the reason is printed); 2 the image
cannot be read as a store at all.
"""
import argparse
import hashlib
import struct
import sys

CKPT_MAGIC = 0x4B435348  # "HSCK"
CKPT_HDR, SUM_SIZE, REC_HDR = 64, 48, 40
KEY_MAX, PAYLOAD_MAX, TYPE_MAX, TYPE_MARKER = 48, 2048, 30, 31
TYPE_AUDIT, AUDIT_KEY = 3, b"audit"
MAX_SEGMENTS = 65535
DEFAULT_OFFSET = 256 * 1024  # services/disk.h: DISK_KEY_SLOT_BYTES
DEFAULT_SELFTEST = 1024 * 1024  # services/disk.h: DISK_SELFTEST_BYTES
FIELDS = ["hearth-audit", "seq", "time", "kind", "recipient", "policy", "sensors", "granularity", "window",
          "bytes", "payload-sha256", "status", "result", "prev", "hash"]


class ImageError(Exception):
    """The image is not a store this tool understands."""


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class Record:
    """One record as it sits on the disk; file_offset is where its header starts in the image."""

    def __init__(self, raw, file_offset):
        (self.crc, self.payload_len, self.key_len, self.type, self.epoch, self.flags, self.log_seq, self.seq,
         self.ts) = struct.unpack_from("<IHBBIB3xQQQ", raw, 0)
        self.file_offset = file_offset
        self.size = (REC_HDR + self.key_len + self.payload_len + 7) & ~7
        self.key = bytes(raw[REC_HDR:REC_HDR + self.key_len])
        self.payload = bytes(raw[REC_HDR + self.key_len:REC_HDR + self.key_len + self.payload_len])


class Store:
    """The store's live log in an image: the newest valid checkpoint, its live segments, the replayed tail."""

    def __init__(self, image, offset=DEFAULT_OFFSET, selftest=DEFAULT_SELFTEST):
        self.img = image
        self.offset = offset
        self.damaged = []  # (description) of records the store would skip or stop at
        hdr = image[offset:offset + CKPT_HDR]
        if len(hdr) < CKPT_HDR or struct.unpack_from("<I", hdr, 0)[0] != CKPT_MAGIC:
            raise ImageError(f"no store checkpoint at byte {offset}")
        self.bs, self.base, self.nseg, self.seg_blocks = struct.unpack_from("<IQII", hdr, 12)
        if self.bs < 512 or self.base * self.bs != offset or not 4 <= self.nseg <= MAX_SEGMENTS:
            raise ImageError("checkpoint geometry does not match its place on the disk")
        # The same arithmetic as services/store.c geometry(), for the store main.c opens.
        end = (len(image) - selftest) // self.bs
        nmax = min((end - self.base) // self.seg_blocks, MAX_SEGMENTS)
        self.ckpt_blocks = (CKPT_HDR + SUM_SIZE * nmax + self.bs - 1) // self.bs
        self.seg_bytes = self.seg_blocks * self.bs
        best = None
        for slot in (0, 1):
            ck = self._checkpoint(offset + slot * self.ckpt_blocks * self.bs)
            if ck and (best is None or ck["no"] > best["no"]):
                best = ck
        if best is None:
            raise ImageError("no valid checkpoint (bad CRC in both slots)")
        self.ck = best
        self.records = self._log()

    def _checkpoint(self, at):
        length = CKPT_HDR + SUM_SIZE * self.nseg
        p = self.img[at:at + length]
        if len(p) < length or struct.unpack_from("<I", p, 0)[0] != CKPT_MAGIC:
            return None
        if struct.unpack_from("<IQII", p, 12) != (self.bs, self.base, self.nseg, self.seg_blocks):
            return None
        if crc32c(p[8:length]) != struct.unpack_from("<I", p, 4)[0]:
            return None
        no, next_seq, epoch, last_epoch, tail, head, off = struct.unpack_from("<QQIIHHI", p, 32)
        sums = [struct.unpack_from("<QQQQIIII", p, CKPT_HDR + SUM_SIZE * i) for i in range(self.nseg)]
        return {"no": no, "next_seq": next_seq, "epoch": epoch, "last_epoch": last_epoch, "tail": tail,
                "head": head, "off": off, "sums": sums}

    def _seg_at(self, seg):
        return self.offset + (2 * self.ckpt_blocks + seg * self.seg_blocks) * self.bs

    def _record_at(self, seg, off, end):
        """The record at off of seg if its header is sane, it fits before end and its CRC matches:
        (Record, None), (None, why) for a damaged one, or (None, None) when nothing is there."""
        at = self._seg_at(seg) + off
        if off + REC_HDR > end:
            return None, None
        hdr = self.img[at:at + REC_HDR]
        r = Record(hdr + bytes(KEY_MAX + PAYLOAD_MAX), at)
        if (r.type == 0 or (r.type > TYPE_MAX and r.type != TYPE_MARKER) or r.key_len > KEY_MAX or
                r.payload_len > PAYLOAD_MAX or r.flags & ~1 or hdr[13:16] != b"\0\0\0" or off + r.size > end):
            return None, None
        raw = self.img[at:at + r.size]
        r = Record(raw, at)
        body_end = REC_HDR + r.key_len + r.payload_len
        if crc32c(raw[4:body_end]) != r.crc or any(raw[body_end:r.size]):
            return None, f"record at byte {at} (segment {seg}, offset {off}) fails its CRC"
        return r, None

    def _segment(self, seg):
        """The checkpointed records of a live segment, as store_cursor_next reads them, noting damage."""
        first, _, _, _, count, used, _, _ = self.ck["sums"][seg]
        out, off, expect, stop = [], 0, first, first + count
        while off < used and expect < stop:
            r, why = self._record_at(seg, off, used)
            if r and r.log_seq == expect:
                out.append(r)
                off += r.size
                expect += 1
                continue
            self.damaged.append(why or f"record {expect} missing at byte {self._seg_at(seg) + off}")
            # Skip exactly one record: its successor's log_seq is known (as the store does).
            for o in range(off + 8, used, 8):
                r, _ = self._record_at(seg, o, used)
                if r and r.log_seq == expect + 1:
                    out.append(r)
                    off, expect = o + r.size, expect + 2
                    break
            else:
                break
        return out

    def _log(self):
        ck, recs = self.ck, []
        seg = ck["tail"]
        while True:
            recs.extend(self._segment(seg))
            if seg == ck["head"]:
                break
            seg = (seg + 1) % self.nseg
        # The tail after the checkpoint, replayed the way store_open does.
        seg, off, expect, last_epoch = ck["head"], ck["off"], ck["next_seq"], ck["last_epoch"]
        while True:
            r, why = self._record_at(seg, off, self.seg_bytes)
            if not (r and r.log_seq == expect and last_epoch <= r.epoch <= ck["epoch"]) and off > 0:
                nxt = (seg + 1) % self.nseg
                if nxt == ck["tail"]:
                    break
                r2, _ = self._record_at(nxt, 0, self.seg_bytes)
                if r2 and r2.log_seq == expect:
                    seg, off, r, why = nxt, 0, r2, None
            if not (r and r.log_seq == expect):
                if why and self._continues(seg, off, expect):
                    self.damaged.append(why + " and the log continues after it")
                break
            recs.append(r)
            off += r.size
            expect += 1
            last_epoch = r.epoch
        return recs

    def _continues(self, seg, off, expect):
        """Whether a valid record with the next log_seq follows a damaged one: damage, not a torn end."""
        for o in range(off + 8, self.seg_bytes, 8):
            r, _ = self._record_at(seg, o, self.seg_bytes)
            if r and r.log_seq == expect + 1:
                return True
        return False

    def audit_records(self):
        return [r for r in self.records if r.type == TYPE_AUDIT and r.key == AUDIT_KEY]


def decode(payload):
    """The entry's fields and the length of its hashed part; raises ValueError if not in the format."""
    text = payload.decode("ascii")
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) != len(FIELDS) + 1:
        raise ValueError("wrong number of lines")
    entry = {}
    for name, line in zip(FIELDS, lines):
        if not line.startswith(name + " ") or len(line) == len(name) + 1:
            raise ValueError(f"expected the {name} line")
        entry[name] = line[len(name) + 1:]
    for name in ("seq", "time", "policy", "bytes", "status"):
        v = entry[name]
        if not v.isdigit() or (len(v) > 1 and v[0] == "0"):
            raise ValueError(f"bad number in {name}")
        entry[name] = int(v)
    for name in ("payload-sha256", "prev", "hash"):
        if len(entry[name]) != 64 or any(c not in "0123456789abcdef" for c in entry[name]):
            raise ValueError(f"bad hash in {name}")
    if entry["hearth-audit"] != "1" or entry["seq"] == 0:
        raise ValueError("bad version or seq")
    return entry, len(text) - len("hash ") - 64 - 1


def verify(store, expect_head=None):
    """Returns (ok, message, entries)."""
    entries, problems = {}, list(store.damaged)
    for r in store.audit_records():
        try:
            e, body = decode(r.payload)
        except (ValueError, UnicodeDecodeError) as ex:
            problems.append(f"audit record at byte {r.file_offset} is not an audit entry ({ex})")
            continue
        e["_self_ok"] = hashlib.sha256(r.payload[:body]).hexdigest() == e["hash"]
        e["_store_seq"], e["_offset"], e["_payload"] = r.seq, r.file_offset, r.payload
        old = entries.get(e["seq"])
        if old and old["_payload"] != r.payload:
            return False, f"two different entries claim seq {e['seq']}", entries
        if not old or r.seq < old["_store_seq"]:
            entries[e["seq"]] = e
    prev, prev_store = "0" * 64, -1
    for want, seq in enumerate(sorted(entries), 1):
        e = entries[seq]
        where = f"(record at byte {e['_offset']})"
        if seq != want:
            return False, f"entry {want} is missing (the next one is {seq})", entries
        if not e["_self_ok"]:
            return False, f"entry {seq} does not match its hash: it was modified {where}", entries
        if e["prev"] != prev:
            return False, f"entry {seq} does not link to entry {seq - 1}: one of them was replaced {where}", entries
        if e["_store_seq"] <= prev_store:
            return False, f"entry {seq} comes before entry {seq - 1} in the log: reordered {where}", entries
        prev, prev_store = e["hash"], e["_store_seq"]
    if problems:
        return False, "damaged record(s) in the store: " + "; ".join(problems), entries
    head = max(entries) if entries else 0
    if expect_head:
        seq, h = expect_head
        if head < seq:
            return False, f"the chain ends at {head} but its head was at {seq}: entries were cut off", entries
        if entries[seq]["hash"] != h:
            return False, f"entry {seq} is not the head kept elsewhere", entries
    return True, f"{len(entries)} entries, head seq {head} hash {prev}", entries


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("--offset", type=int, default=DEFAULT_OFFSET, help="byte offset of the store")
    ap.add_argument("--selftest-bytes", type=int, default=DEFAULT_SELFTEST,
                    help="bytes at the end of the disk the store does not use")
    ap.add_argument("--expect-head", help="SEQ:HASH noted earlier (GET /api/audit/verify's head)")
    ap.add_argument("--list", action="store_true", help="print every entry")
    args = ap.parse_args()
    head = None
    if args.expect_head:
        seq, _, h = args.expect_head.partition(":")
        head = (int(seq), h.lower())
    try:
        with open(args.image, "rb") as f:
            store = Store(f.read(), args.offset, args.selftest_bytes)
    except (OSError, ImageError, struct.error) as ex:
        print(f"audit_verify: cannot read the store: {ex}", file=sys.stderr)
        return 2
    ok, msg, entries = verify(store, head)
    if args.list:
        for seq in sorted(entries):
            e = entries[seq]
            print(f"{seq:6} {e['kind']:16} {e['recipient']:16} {e['sensors']} {e['granularity']} "
                  f"bytes={e['bytes']} status={e['status']} {e['result']}")
    if ok:
        print(f"audit chain OK: {msg}")
        return 0
    print(f"audit chain TAMPERED OR DAMAGED: {msg}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
