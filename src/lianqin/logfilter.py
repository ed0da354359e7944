"""A logging filter that masks phone and ID numbers in every record, whatever wrote it.

Why: our own code never logs a reporter's contact (it names the case and the field), but a
library's message or an exception's text may quote a payload. The filter is the last line:
it rewrites the record's message with :func:`lianqin.cases.masking.mask_in_text` before any
handler formats it. No Django (settings' LOGGING refers to it by path).

What must hold: after the filter, no 11-digit mobile number or 18-character ID number of
the message (arguments included) is left in clear; the record is never dropped.
"""

from __future__ import annotations

import logging

from lianqin.cases.masking import mask_in_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_in_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_in_text(record.exc_text)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True
