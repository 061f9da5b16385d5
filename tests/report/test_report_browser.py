"""The report in real headless Chromium: figures render, filters work, injected script stays text."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from equanimity.analysis.table import load_turns

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="needs Debian chromium and chromedriver",
    ),
]

HOSTILE_SCRIPT = "<script>window.__pwned=1;document.title='pwned'</script> the answer is 4."
HOSTILE_IMG = "<img src=x onerror=\"window.__pwned=2;document.title='pwned'\"> I keep failing."


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="equanimity-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000",
    ):  # fmt: skip
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_report_in_chromium(driver, factory, tmp_path) -> None:
    from selenium.webdriver.support.ui import Select

    from equanimity.report import build_report

    neutral = factory.realistic_run(
        tmp_path / "neutral",
        run_id="neutral",
        texts={(0, 1): HOSTILE_SCRIPT, (0, 2): HOSTILE_IMG},
        judges=("offline", "llm"),
        prompts=6,
        samples=3,
    )
    accept = factory.realistic_run(
        tmp_path / "accept",
        run_id="accept",
        rejection="accepting",
        escalation=0.1,
        seed=1,
        prompts=6,
        samples=3,
    )
    path = build_report([neutral, accept], out=tmp_path / "report.html", n_boot=200)
    turns = load_turns([neutral, accept], judge="offline")
    d = driver
    d.get(path.as_uri())
    assert "equanimity report" in d.title

    # figures: every <img> decoded and laid out with a real size
    sizes = d.execute_script(
        "return [...document.querySelectorAll('figure img')].map(i => "
        "[i.complete, i.naturalWidth, i.getBoundingClientRect().width, "
        "i.getBoundingClientRect().height]);"
    )
    assert len(sizes) >= 6
    assert all(ok and nat > 0 and w > 0 and h > 0 for ok, nat, w, h in sizes), sizes

    def shown() -> tuple[int, int, list[str], list[str]]:
        count = d.find_element("id", "transcript-count")
        bands = d.execute_script(
            "return [...document.querySelectorAll('#transcript-list .turn')]"
            ".map(t => t.dataset.band);"
        )
        groups = d.execute_script(
            "return [...document.querySelectorAll('#transcript-list .conv')]"
            ".map(c => c.dataset.group);"
        )
        return (
            int(count.get_attribute("data-turns")),
            int(count.get_attribute("data-conversations")),
            bands,
            groups,
        )

    n, convs, _, groups = shown()
    assert (n, convs) == (len(turns), 36)
    assert len(groups) == 25  # one page; the rest behind "show more"
    d.find_element("id", "transcript-more").click()
    assert len(shown()[3]) == 36 and not d.find_element("id", "transcript-more").is_displayed()

    condition = Select(d.find_element("id", "f-condition"))
    condition.select_by_value("numeric-accepting-full-hatch")
    n, convs, _, groups = shown()
    accepting = turns[turns["rejection"] == "accepting"]
    assert n == len(accepting) and convs == 18
    assert set(groups) == {"numeric-accepting-full-hatch"}

    band = Select(d.find_element("id", "f-band"))
    condition.select_by_value("all")
    band.select_by_value("high")
    n, _, bands, groups = shown()
    assert n == int((turns["frustration"] >= 5).sum()) > 0
    assert set(bands) == {"high"} and set(groups) == {"numeric-neutral-full-hatch"}
    band.select_by_value("all")

    # the injected markup is inert: nothing ran, and it reads as text on the page
    assert d.execute_script("return window.__pwned === undefined;")
    assert "pwned" not in d.title
    assert d.execute_script("return document.querySelectorAll('#transcript-list img').length;") == 0
    msgs = d.execute_script(
        "return [...document.querySelectorAll('.msg.assistant')].map(m => m.textContent);"
    )
    assert any(HOSTILE_SCRIPT in m for m in msgs)
    assert any(HOSTILE_IMG.split(" I keep")[0] in m for m in msgs)
    visible = d.find_element("xpath", "//div[contains(@class,'msg')][contains(., '__pwned=1')]")
    assert visible.is_displayed()

    shot = tmp_path / "report.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
