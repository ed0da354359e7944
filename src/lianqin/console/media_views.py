"""``GET /media/photos/<name>``: a stored photo (see ``lianqin/photos.py``). The name is the
SHA-256 of the picture, so its address is the capability: whoever was given it may see
it, nobody can guess another; pictures carry no metadata after cleaning."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from lianqin import photos


def photo(request: HttpRequest, name: str) -> FileResponse:
    path = photos.path_of(name)
    if path is None:
        raise Http404("没有这张照片")
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
