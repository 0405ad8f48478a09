#!/usr/bin/python3
"""Extracts files from a Qt binary resource (.rcc, format versions 1-3), e.g. the paintings and
photographs shipped inside Debian's gcompris-qt-data. Pure Python (zlib; zstd entries are skipped).

    /usr/bin/python3 training/extract_rcc.py /usr/share/gcompris-qt/rcc/paintings.rcc OUTDIR [SUFFIX...]
"""
import os
import struct
import sys
import zlib

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


def entries(path):
    """Yields (resource path, bytes) for every file in the .rcc."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"qres":
        raise ValueError(f"{path}: not a Qt rcc file")
    version, tree, data, names = struct.unpack(">IIII", b[4:20])
    node_size = 14 if version == 1 else 22

    def name(off):
        n = struct.unpack(">H", b[names + off: names + off + 2])[0]
        return b[names + off + 6: names + off + 6 + 2 * n].decode("utf-16-be")

    def walk(node, prefix):
        p = tree + node * node_size
        name_off, flags = struct.unpack(">IH", b[p:p + 6])
        nm = name(name_off) if node else ""
        full = f"{prefix}/{nm}" if nm else prefix
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", b[p + 6:p + 14])
            for child in range(first, first + count):
                yield from walk(child, full)
        else:
            doff = struct.unpack(">I", b[p + 10:p + 14])[0]
            q = data + doff
            size = struct.unpack(">I", b[q:q + 4])[0]
            blob = b[q + 4:q + 4 + size]
            if flags & COMPRESSED:
                blob = zlib.decompress(blob[4:])
            elif flags & COMPRESSED_ZSTD:
                return
            yield full, blob

    yield from walk(0, "")


def extract(path, outdir, suffixes=(".jpg", ".jpeg", ".png", ".svg", ".txt", ".qml", ".js")):
    written = []
    for name, blob in entries(path):
        if suffixes and not name.lower().endswith(tuple(suffixes)):
            continue
        dest = os.path.join(outdir, name.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(blob)
        written.append(dest)
    return written


if __name__ == "__main__":
    out = extract(sys.argv[1], sys.argv[2], tuple(sys.argv[3:]) or None)
    print("\n".join(out))
