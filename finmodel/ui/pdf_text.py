"""A PDF's text layer with kanji, not CJK radicals, where a font shares their glyphs.

Chromium writes a PDF's text layer (each font's ``/ToUnicode`` CMap) from its glyphs: a
glyph that several code points share gets the lowest of them. Noto Sans CJK draws the
Kangxi radical ⾦ (U+2FA6) and the kanji 金 (U+91D1) with one glyph, and likewise ⺠/民,
⽐/比, ⽰/示, ⾼/高 and 285 more, so the text of a Japanese paper reads "⺠間資⾦" and a search
for 民間 or 資金 finds nothing. :func:`fix_text_layer` rewrites every CMap so that each
code point of the Kangxi Radicals (U+2F00-U+2FDF) and CJK Radicals Supplement
(U+2E80-U+2EFF) blocks that shares a glyph with a unified ideograph maps to that
ideograph. The glyphs drawn do not change; only what copy, search and ``pdftotext``
read. A paper never means a radical as such (our texts hold none), so nothing is lost.

Rewriting the CMaps keeps the pages as Chromium drew them (the charts are the charts on
screen) and needs no font at run time; the other way, rendering the paper as HTML, gets
the same CMaps from the same Chromium.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: Radicals whose glyph in Noto Sans CJK JP (Regular and Bold, fonts-noto-cjk 2.004) is
#: that of a unified ideograph other than their NFKC form, or that have no NFKC form (CJK
#: Radicals Supplement): derived once with fontTools from the font's cmap (code points
#: sharing a glyph id) and kept here so no font is read at run time. The other Kangxi
#: radicals map to their NFKC form, which is the ideograph sharing their glyph in the font.
#: U+2F3E ⼾ is drawn as 戸 (U+6238, the Japanese form), not its NFKC 戶 (U+6236).
_SHARED_GLYPHS = (
    "2E82:4E5B 2E83:4E5A 2E85:4EBB 2E87:20628 2E89:5202 2E8B:353E 2E8D:2D544 2E8E:5140 "
    "2E8F:5C23 2E90:5C22 2E92:5DF3 2E93:5E7A 2E94:5F51 2E96:5FC4 2E98:624C 2E99:6535 "
    "2E9B:65E1 2E9E:6B7A 2E9F:6BCD 2EA0:6C11 2EA1:6C35 2EA3:706C 2EA6:4E2C 2EA8:72AD "
    "2EA9:248E9 2EAB:7F52 2EAD:793B 2EAE:25AD7 2EAF:7CF9 2EB0:7E9F 2EB1:7F53 2EB2:7F52 "
    "2EB9:8002 2EBA:8080 2EBD:26951 2EBE:8279 2EC2:8864 2EC3:8980 2EC4:897F 2EC5:89C1 "
    "2EC7:278B2 2EC8:8BA0 2EC9:8D1D 2ECA:27FB7 2ECB:8F66 2ECD:8FB6 2ED0:9485 2ED1:9577 "
    "2ED2:9578 2ED3:957F 2ED5:28E0F 2ED6:961D 2ED8:9752 2ED9:97E6 2EDA:9875 2EDB:98CE "
    "2EDC:98DE 2EDE:2967F 2EDF:98E0 2EE0:9963 2EE1:29810 2EE2:9A6C 2EE5:9C7C 2EE6:9E1F "
    "2EE7:5364 2EE8:9EA6 2EE9:9EC4 2EEA:9EFE 2EEB:6589 2EEC:9F50 2EED:6B6F 2EEE:9F7F "
    "2EEF:7ADC 2EF0:9F99 2EF2:4E80 2EF3:9F9F 2F3E:6238")


#: Japanese punctuation that shares a glyph with a lower code point in Noto Sans CJK JP
#: (found the same way): ・ read as U+2027, ／ as U+2215, 〈〉 as U+2329/232A, the
#: ideographic space as U+2003, ｀ as U+2035.
_SHARED_PUNCTUATION = "2003:3000 2027:30FB 2035:FF40 2215:FF0F 2329:3008 232A:3009"


def _radical_table() -> dict[int, int]:
    table = {}
    for cp in range(0x2F00, 0x2FE0):  # Kangxi Radicals: their NFKC form
        nfkc = unicodedata.normalize("NFKC", chr(cp))
        if len(nfkc) == 1 and nfkc != chr(cp):
            table[cp] = ord(nfkc)
    for pair in _SHARED_GLYPHS.split():
        radical, ideograph = pair.split(":")
        table[int(radical, 16)] = int(ideograph, 16)
    return table


#: Radical code point -> the unified ideograph that shares its glyph.
RADICAL_TO_IDEOGRAPH: dict[int, int] = _radical_table()

#: Everything the text layer reads differently from what was written: the radicals,
#: the Japanese punctuation above, and the Latin ligatures DejaVu Sans draws for "fi",
#: "fl", ... (U+FB00-FB06; a search for "finmodel" must find it).
TEXT_FIXES: dict[int, str] = (
    {k: chr(v) for k, v in RADICAL_TO_IDEOGRAPH.items()}
    | {int(a, 16): chr(int(b, 16)) for a, b in (p.split(":") for p in _SHARED_PUNCTUATION.split())}
    | {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFB00, 0xFB07)})


def ideographs(text: str) -> str:
    """``text`` as written: radicals replaced by their kanji, shared punctuation by the
    Japanese form, ligatures by their letters (see :data:`TEXT_FIXES`)."""
    return text.translate(TEXT_FIXES)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _from_hex(token: str) -> str:
    raw = bytes.fromhex(token)
    return raw.decode("utf-16-be", errors="surrogatepass") if len(raw) % 2 == 0 else ""


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_RANGE_LINE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f\s]*>)")


def _fix_bfchar(block: bytes) -> bytes:
    tokens = _HEX.findall(block)
    out = []
    for src, dst in zip(tokens[0::2], tokens[1::2], strict=False):
        hexdst = re.sub(rb"\s", b"", dst).decode()
        fixed = ideographs(_from_hex(hexdst)) if hexdst else ""
        out.append(b"<%s> <%s>" % (src, (_utf16_hex(fixed) if fixed else hexdst).encode()))
    return b"\n" + b"\n".join(out) + b"\n"


def _fix_bfrange(block: bytes) -> tuple[bytes, list[bytes]]:
    """A bfrange block without the ranges that hold a radical, and those ranges as bfchar
    lines (one per code, each destination fixed)."""
    kept, chars = [], []
    for lo, hi, dst in _RANGE_LINE.findall(block):
        start, end, width = int(lo, 16), int(hi, 16), len(lo)
        if dst.startswith(b"["):
            targets = [re.sub(rb"\s", b"", t).decode() for t in _HEX.findall(dst)]
        else:
            first = _from_hex(re.sub(rb"\s", b"", dst[1:-1]).decode())
            if not first:
                kept.append(b"<%s> <%s> %s" % (lo, hi, dst))
                continue
            # bfrange: the last UTF-16 unit counts up (within one byte, as the spec says)
            targets = [_utf16_hex(first[:-1] + chr(ord(first[-1]) + k))
                       for k in range(end - start + 1)]
        texts = [_from_hex(t) for t in targets]
        if not any(ideographs(t) != t for t in texts):
            kept.append(b"<%s> <%s> %s" % (lo, hi, dst))
            continue
        for k, t in enumerate(texts):
            code = f"{start + k:0{width}X}".encode()
            chars.append(b"<%s> <%s>" % (code, _utf16_hex(ideographs(t)).encode()))
    return (b"\n" + b"\n".join(kept) + b"\n", chars)


def fix_cmap(cmap: bytes) -> bytes:
    """A ToUnicode CMap with every radical destination replaced by its ideograph."""
    cmap = _BFCHAR.sub(lambda m: b"beginbfchar" + _fix_bfchar(m.group(1)) + b"endbfchar", cmap)
    extra: list[bytes] = []

    def ranges(m: re.Match[bytes]) -> bytes:
        kept, chars = _fix_bfrange(m.group(1))
        extra.extend(chars)
        return b"beginbfrange" + kept + b"endbfrange"

    cmap = _BFRANGE.sub(ranges, cmap)
    # the bfrange counts before each block must match: rewrite them
    cmap = re.sub(rb"\d+(\s+beginbfrange(.*?)endbfrange)",
                  lambda m: b"%d%s" % (len(_RANGE_LINE.findall(m.group(2))), m.group(1)),
                  cmap, flags=re.S)
    cmap = re.sub(rb"\d+(\s+beginbfchar(.*?)endbfchar)",
                  lambda m: b"%d%s" % (len(_HEX.findall(m.group(2))) // 2, m.group(1)),
                  cmap, flags=re.S)
    for start in range(0, len(extra), 100):  # at most 100 entries a block
        part = extra[start:start + 100]
        block = b"%d beginbfchar\n%s\nendbfchar\n" % (len(part), b"\n".join(part))
        cmap = cmap.replace(b"endcmap", block + b"endcmap", 1)
    return cmap


def _fonts(resources: Any, seen: set[int]) -> list[Any]:
    """Every font under a page's (or form's, or Type 3 glyph's) resources."""
    found: list[Any] = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            found.append(font)
            found += _fonts(font.get("/Resources"), seen)  # a Type 3 font's own resources
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen:
            seen.add(id(xobject))
            found += _fonts(xobject.get("/Resources"), seen)
    return found


def fix_text_layer(writer: Any) -> int:
    """Rewrite the ToUnicode CMap of every font in a :class:`pypdf.PdfWriter`'s pages;
    returns how many CMaps changed."""
    from pypdf.generic import NameObject, StreamObject

    changed = 0
    seen: set[int] = set()
    for page in writer.pages:
        for font in _fonts(page.get("/Resources"), seen):
            stream = font.get("/ToUnicode")
            if stream is None:
                continue
            stream = stream.get_object()
            old = stream.get_data()
            new = fix_cmap(old)
            if new != old:
                fixed = StreamObject()
                fixed.set_data(new)
                font[NameObject("/ToUnicode")] = writer._add_object(fixed)
                changed += 1
    return changed
