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
from urllib.parse import unquote

from lianqin.cases.masking import mask_in_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            # keep the arguments a formatter may read one by one (uvicorn's access log:
            # client, method, path, version, status), each masked; a path is read with its
            # percent-escapes decoded, so %22138… or %2B86… cannot slip past
            record.args = tuple(
                mask_in_text(unquote(a)) if isinstance(a, str) else a for a in record.args
            )
            record.msg = mask_in_text(str(record.msg))
            self._mask_traceback(record)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_in_text(unquote(message) if "%" in message else message)
        self._mask_traceback(record)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True

    @staticmethod
    def _mask_traceback(record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_in_text(record.exc_text)
