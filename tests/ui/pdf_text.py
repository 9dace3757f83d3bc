"""Just enough of a PDF reader to check what Qt's QPdfWriter wrote (PySide6-Essentials has no QtPdf):
the pages, and the text on each page, decoded through the fonts' ToUnicode maps.

Qt draws text glyph by glyph (`<0012> Tj`), moving between them with `Td`, so a space is a move and
not a character: the text of a page comes back without spaces. Tests compare with spaces removed.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (its dictionary text, its stream decompressed or None)."""
    found = {}
    for number, body in _OBJECT.findall(data):
        stream = _STREAM.search(body)
        content = None
        if stream:
            content = stream.group(1)
            if b"/FlateDecode" in body[:stream.start()]:
                content = zlib.decompress(content)
            body = body[:stream.start()]
        found[int(number)] = (body, content)
    return found


def _cmap(text: bytes) -> dict[int, str]:
    codes: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if rest.startswith(b"["):
                for offset, dst in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", rest)):
                    codes[lo_i + offset] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            else:
                start = int(rest[1:-1], 16)
                for offset in range(hi_i - lo_i + 1):
                    codes[lo_i + offset] = chr(start + offset)
    return codes


def page_texts(path: str | Path) -> list[str]:
    """The text of each page, in drawing order, without spaces (a space may come back as any white
    space character)."""
    objects = _objects(Path(path).read_bytes())
    fonts: dict[int, dict[int, str]] = {}
    for number, (body, _content) in objects.items():
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if to_unicode:
            fonts[number] = _cmap(objects[int(to_unicode.group(1))][1] or b"")
    pages = []
    for body, _content in objects.values():
        if not re.search(rb"/Type\s*/Page\b(?!s)", body):
            continue
        names: dict[bytes, dict[int, str]] = {}
        resources = body
        ref = re.search(rb"/Resources (\d+) 0 R", body)
        if ref:
            resources = objects[int(ref.group(1))][0]
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", resources):
            names[name] = fonts.get(int(number), {})
        contents = re.search(rb"/Contents (\d+) 0 R", body)
        stream = objects[int(contents.group(1))][1] or b"" if contents else b""
        text, font = [], {}
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]+)> Tj", stream):
            if token.group(1):
                font = names.get(token.group(1), {})
            else:
                hexes = token.group(2).decode()
                text += [font.get(int(hexes[i:i + 4], 16), "?") for i in range(0, len(hexes), 4)]
        pages.append(re.sub(r"\s", "", "".join(text)))
    return pages


def page_count(path: str | Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", Path(path).read_bytes()))
