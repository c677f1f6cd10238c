"""Barcode labels for copies: Code 128 drawn as SVG on the server (python-barcode), no script or font needed."""

from __future__ import annotations

import base64
import io

from barcode import Code128
from barcode.writer import SVGWriter


def code128_svg(code: str) -> str:
    """The barcode as a data: URL of an SVG image (its text printed beneath), for a label of about 50 x 25 mm.

    A data: image, not inline SVG: the generated SVG styles its shapes inline,
    which the pages' Content-Security-Policy forbids in the page itself.
    """
    out = io.BytesIO()
    Code128(code, writer=SVGWriter()).write(
        out, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0, "quiet_zone": 2.0}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
