"""Profile photos: checked, re-encoded square JPEGs with server-made names.

The upload is decoded by Pillow (so an HTML or SVG file pretending to be an
image fails), limited in pixels (no decompression bombs), rotated per EXIF,
cropped to a centred square, resized and re-encoded as JPEG — which drops
EXIF/GPS metadata and anything else the original carried. The stored name
is random; the user's file name is never used.
"""
from __future__ import annotations

import io
import logging
import os
import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger("nq.photos")

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000
SIZE = 512
NAME_LENGTH = 32


class PhotoError(ValueError):
    """The upload is not an acceptable photo (message is for people)."""


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _is_our_name(filename: str) -> bool:
    stem, dot, ext = filename.partition(".")
    return dot == "." and ext == "jpg" and len(stem) == NAME_LENGTH and all(c in "0123456789abcdef" for c in stem)


def path_for(filename: str | None) -> Path | None:
    """The stored file for a name we generated; None for anything else."""
    if not filename or not _is_our_name(filename):
        return None
    return upload_dir() / filename


def save_photo(stream: IO[bytes], max_bytes: int) -> str:
    """Validate and re-encode an uploaded image; returns the new file name."""
    from flask_babel import gettext as _

    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError(_("The photo is too large. Use an image up to %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not data:
        raise PhotoError(_("Choose an image file."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoError(_("Use a JPEG, PNG or WebP image."))
            width, height = probe.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise PhotoError(_("The image has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            square = ImageOps.fit(upright.convert("RGB"), (SIZE, SIZE), Image.Resampling.LANCZOS)
            filename = f"{secrets.token_hex(NAME_LENGTH // 2)}.jpg"
            target = upload_dir() / filename
            square.save(target, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise PhotoError(_("That file is not an image we can read. Use a JPEG, PNG or WebP image.")) from exc
    return filename


def delete_photo(filename: str | None) -> None:
    """Remove a stored photo (missing files are fine)."""
    if not filename:
        return
    path = path_for(filename)
    if path is None:
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("could not delete photo %s", filename, exc_info=True)
