"""The leaders' dashboard in a browser: the charts are drawn (ECharts canvases), the big
numbers filled, the period switches without reloading, a live event refreshes the
figures, nothing is loaded from outside, and a dispatcher is refused."""

from __future__ import annotations

from tests.e2e.conftest import shot


def test_dashboard_draws_charts_for_a_leader(page_as, server):
    page = page_as("leader", viewport={"width": 1920, "height": 1080})
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url)
    )
    page.goto("/dashboard/")
    for chart in ("#chart-trend", "#chart-channels", "#chart-streets"):
        page.wait_for_selector(f"{chart} canvas")
    page.wait_for_selector("body[data-loaded]")
    assert page.locator("#kpi-new").inner_text().isdigit()
    assert page.locator("#kpi-overdue").inner_text().isdigit()
    assert page.locator("#ranking tbody tr").count() >= 2
    assert page.locator("#board-error").is_hidden()
    shot(page, "dashboard")

    with page.expect_response(lambda r: "data.json?days=7" in r.url):
        page.click("a.period[data-days='7']")
    assert (
        "days=7" in page.url and page.locator("a.period.active").inner_text().strip() == "近 7 天"
    )
    first = page.get_attribute("body", "data-loaded")
    page.evaluate("document.dispatchEvent(new CustomEvent('lianqin:case', {detail: {}}))")
    page.wait_for_function(
        f"document.body.getAttribute('data-loaded') !== '{first}'", timeout=15000
    )
    assert outside == []


def test_dashboard_refuses_a_dispatcher(page_as):
    page = page_as("dispatcher")
    response = page.goto("/dashboard/")
    assert response.status == 403 and "领导看板供领导" in page.content()


def test_indicators_appraisal_ledger_and_warnings_for_a_leader(page_as, server):
    """The indicator table draws its chart; the appraisal ranks and its exports download as
    real files; the ledger and the warnings open — each page captured for the artifacts."""
    page = page_as("leader", viewport={"width": 1600, "height": 1000})
    page.goto("/dashboard/indicators/?dim=street&period=month")
    page.wait_for_selector("#chart-indicators canvas")
    assert page.locator("#indicator-table tbody tr").count() >= 2
    assert "%" in page.locator("#indicator-table tfoot").inner_text()
    shot(page, "indicators")
    page.goto("/dashboard/appraisal/?target=region&dim=community&period=month")
    assert page.locator("#appraisal tbody tr").count() >= 2
    shot(page, "appraisal")
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        with page.expect_download() as info:
            page.click(f"#export-{fmt}")
        path = info.value.path()
        assert path is not None and path.read_bytes().startswith(magic)
    page.goto("/dashboard/ledger/?period=month")
    assert page.locator("#ledger tbody tr").count() >= 1
    shot(page, "ledger")
    page.goto("/dashboard/warnings/")
    assert page.locator("#warnings").is_visible()
    shot(page, "warnings")
