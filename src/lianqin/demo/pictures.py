"""Evidence photos for the demo's handled cases: small pictures drawn here, stored through
:func:`lianqin.photos.save` like any uploaded photo, so the demo's case pages show real
images served by the app (never a placeholder address a browser would try to fetch)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from lianqin import photos

SIZE = (480, 320)


def _scene(rng: random.Random, *, tidy: bool) -> bytes:
    """A street corner: pavement, a kerb, a bin; litter around it unless ``tidy``."""
    image = Image.new("RGB", SIZE, (196, 206, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, SIZE[0], SIZE[1]), fill=(150, 150, 146))  # pavement
    draw.rectangle((0, 196, SIZE[0], 204), fill=(110, 110, 106))  # kerb
    draw.rectangle((300, 120, 380, 230), fill=(40, 120, 70))  # the bin
    draw.rectangle((294, 112, 386, 124), fill=(30, 95, 55))
    if not tidy:
        for _ in range(40):
            x, y = rng.randint(220, 460), rng.randint(210, 300)
            r = rng.randint(5, 16)
            shade = rng.randint(60, 200)
            draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(shade, shade - 30, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def evidence(seed: int) -> list[str]:
    """Stored URLs of a before and an after picture (the same two for one seed)."""
    rng = random.Random(seed)
    return [
        photos.save(_scene(rng, tidy=False), "处置前.png"),
        photos.save(_scene(rng, tidy=True), "处置后.png"),
    ]
