"""``/open311/v2/…``: every resource with its format suffix, ``.json`` or ``.xml``.

``request/{id}`` (singular) is served beside the spec's ``requests/{id}`` because the
official swagger file spells it so; both answer the same.
"""

from django.urls import re_path

from lianqin.api.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
ID = r"(?P<{}>[^/]+?)"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/" + ID.format("code") + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests?/" + ID.format("request_id") + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/" + ID.format("token") + FMT, views.token_lookup, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="updates"),
    re_path(r"^(?P<path>.+?)" + FMT, views.unknown),  # a 404 in the spec's error format
]
