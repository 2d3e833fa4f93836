"""Decoding a handheld scanner's export (used by the upload command and page)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(_("无法识别文件的编码（应为 UTF-8 或 GBK）。"), code="bad_encoding")
