"""Hostile XML for the importers' tests: entity bombs, external entities and DTDs.

Each is built from a good document so that, were the DTD let through, the file
would import. They come in UTF-16 (where a byte search for "<!DOCTYPE" finds
nothing) and with the DOCTYPE behind more than 4 KB of comment.
"""

from __future__ import annotations

# Ten times ten times ... "lol": a billion characters from a few hundred bytes.
_LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
_KINDS = {
    "billion laughs": (_LAUGHS, "&lol9;"),
    "external entity": ('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
    "external DTD": ("", ""),
}

# (kind, encoding, bytes of comment before the DOCTYPE)
ATTACKS = [
    ("billion laughs", "utf-16", 0),
    ("external entity", "utf-16", 0),
    ("external DTD", "utf-16", 0),
    ("billion laughs", "utf-16", 5000),
    ("billion laughs", "utf-8", 5000),
    ("external DTD", "utf-8", 5000),
]
ATTACK_IDS = [f"{kind}, {encoding}{', after 4 KB' if pad else ''}" for kind, encoding, pad in ATTACKS]


def hostile(xml: str, *, root: str, kind: str, encoding: str, pad: int, replace: str) -> bytes:
    """`xml` with a DOCTYPE of `kind` before its root element, and its entity used in place of `replace`."""
    if xml.startswith("<?xml"):
        xml = xml[xml.index("?>") + 2 :]
    declarations, reference = _KINDS[kind]
    if declarations:
        assert replace in xml
        xml = xml.replace(replace, reference, 1)
        doctype = f"<!DOCTYPE {root} [{declarations}]>"
    else:
        doctype = f'<!DOCTYPE {root} SYSTEM "http://127.0.0.1:9/{root}.dtd">'
    padding = f"<!-- {'x' * pad} -->\n" if pad else ""
    head = f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
    return (head + padding + doctype + xml).encode(encoding)
