"""Issue 16: every page of every role, at desk and phone width, in both languages.

Each role's demo login opens each page of its navigation, the tabs under it and one
detail page of each kind (a customer's 360° page, a service request, a key account's
plan, a load plan, a job, a feeder, a notice, the portal's pages for a customer) at
1440×900, then the same page narrowed to 390×844, in 简体中文 and in English. A page
fails on an HTTP error, a console error, a failed request, a horizontal overflow
(``scrollWidth > innerWidth``) or a raw code from the choices lists in its text.

Adding a page is one line in ``PAGES``: its name, its path (``{kind}`` placeholders are
filled per login by ``every_page_samples``) and who may open it. ``test_navigation_is_
covered`` fails when a navigation link has no line.

One small demo company (seeded) is built once and served by ``runserver`` in its own
process; one browser, one context per login and language.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

from gridcrm.users.roles import ROLE_PERMISSIONS, Role
from tests.browser.every_page_codes import ALLOWED_ON, AWAITING, codes_in
from tests.installation import GRIDCRM, REPO, WAIT_SECONDS, Installation

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "gridcrm-demo"
WIDTHS = ((1440, 900), (390, 844))
LANGUAGES = ("zh-hans", "en")

# One demo login per role; the portal's household for customers.
LOGINS: dict[Role, str] = {
    Role.MARKETING_MANAGER: "manager",
    Role.KEY_ACCOUNT_MANAGER: "kam2",  # seed 3 gives kam2 (YQ03, YQ04) a key account
    Role.BUSINESS_SPECIALIST: "specialist",
    Role.SERVICE_AGENT: "agent",
    Role.REGIONAL_COLLECTOR: "collector",
    Role.ARCHIVE_OFFICER: "archivist",
    Role.DEMAND_PLANNER: "planner",
    Role.INSPECTOR: "inspector",
    Role.ADMINISTRATOR: "admin",
    Role.CUSTOMER: "customer",
}
STAFF = frozenset(LOGINS) - {Role.CUSTOMER}


def may(*perms: str) -> frozenset[Role]:
    """The staff roles holding any of ``perms`` (users/roles.py, the one table of who may)."""
    return frozenset(r for r in STAFF if set(perms) & set(ROLE_PERMISSIONS[r]))


@dataclass(frozen=True)
class P:
    name: str
    path: str
    roles: frozenset[Role]
    codes: bool = True
    """Whether raw codes in the text fail the page; off only where codes are the content."""


CUSTOMER = frozenset({Role.CUSTOMER})

# fmt: off
PAGES: list[P] = [
    # the navigation (web/context_processors.navigation) and the tabs under it
    P("overview", "/", STAFF),
    P("customers", "/customers/?q=", STAFF),
    P("worklist", "/customers/worklist/", may("archive.edit_customer_data")),
    P("change requests", "/customers/changes/", may("archive.request_customer_change", "archive.approve_customer_change")),  # noqa: E501
    P("completeness", "/customers/completeness/", STAFF),
    P("credit lists", "/customers/credit-lists/", may("archive.import_customers")),
    P("customer import", "/customers/import/", may("archive.import_customers")),
    P("mapping rules", "/customers/rules/", may("archive.manage_mapping_rules")),
    P("credit", "/credit/", may("credit.view_credit")),
    P("credit models", "/credit/models/", may("credit.view_credit")),
    P("credit policies", "/credit/policies/", may("credit.view_credit")),
    P("key accounts", "/keyaccounts/", may("keyaccounts.view_keyaccount")),
    P("needs board", "/keyaccounts/board/", may("keyaccounts.view_keyaccount")),
    P("needs reports", "/keyaccounts/reports/", may("keyaccounts.view_keyaccount")),
    P("key-account overview", "/keyaccounts/overview/", may("keyaccounts.view_keyaccount")),
    P("key-account messages", "/keyaccounts/messages/", may("keyaccounts.view_keyaccount")),
    P("feedback calls", "/keyaccounts/feedback/", may("keyaccounts.work_keyaccounts", "service.work_servicerequest") & may("keyaccounts.view_keyaccount")),  # noqa: E501
    P("service queue", "/service/", may("service.view_servicerequest")),
    P("new request", "/service/new/", may("service.add_servicerequest")),
    P("notices", "/service/notices/", may("service.view_servicerequest")),
    P("new notice", "/service/notices/new/", may("service.publish_policy_notice", "service.publish_outage_notice")),  # noqa: E501
    P("service matrix", "/service/matrix/", may("service.view_servicerequest")),
    P("calendar", "/service/calendar/", may("service.view_servicerequest")),
    P("breaches", "/service/breaches/", may("service.view_escalations")),
    P("satisfaction", "/service/satisfaction/", may("service.view_servicerequest")),
    P("grace", "/service/grace/", may("service.approve_grace")),
    P("grid", "/grid/", may("grid.view_registry")),
    P("important customers", "/grid/important/", may("grid.view_registry")),
    P("load plans", "/load/", may("load.view_plans", "load.make_plans")),
    P("load composition", "/load/composition/", may("load.view_load_knowledge")),
    P("time of use", "/load/tou/", may("load.view_plans", "load.manage_tou")),
    P("safety work", "/safety/", may("safety.view_safety")),
    P("alerts", "/alerts/", STAFF),
    P("jobs", "/jobs/", STAFF),
    P("fact lake", "/lake/", may("lake.view_lake")),
    # The API's documentation is about field names and codes; Django's admin is a
    # programmer's tool in Django's own wording.
    P("api docs", "/api/docs", STAFF, codes=False),
    P("administration", "/admin/", frozenset({Role.ADMINISTRATOR}), codes=False),
    # one detail page (or form) of each kind
    P("customer 360", "/customers/{customer}/", STAFF),
    P("change request form", "/customers/{customer}/change/", may("archive.request_customer_change")),  # noqa: E501
    P("key account plan", "/keyaccounts/a/{keyaccount}/", may("keyaccounts.view_keyaccount")),
    P("service request", "/service/{request}/", may("service.view_servicerequest")),
    P("notice", "/service/notices/{notice}/", may("service.view_servicerequest")),
    P("load plan", "/load/plans/{plan}/", may("load.view_plans", "load.make_plans")),
    P("production profile", "/load/customers/{customer}/profile/", may("load.edit_production_data")),  # noqa: E501
    P("feeder", "/grid/feeders/{feeder}/", may("grid.view_registry")),
    P("outage impact", "/grid/impact/transformer/{transformer}/", may("grid.view_registry")),
    P("job", "/jobs/{job}/", frozenset({Role.ADMINISTRATOR})),
    P("lake import", "/lake/imports/{lake_import}/", may("lake.view_lake")),
    # the customer portal
    P("portal home", "/portal/", CUSTOMER),
    P("portal account", "/portal/a/{portal_account}/", CUSTOMER),
    P("portal usage", "/portal/a/{portal_account}/usage/", CUSTOMER),
    P("portal bills", "/portal/a/{portal_account}/bills/", CUSTOMER),
    P("portal notices", "/portal/a/{portal_account}/notices/", CUSTOMER),
    P("portal notice", "/portal/a/{portal_account}/notices/{portal_notice}/", CUSTOMER),
    P("portal policies", "/portal/a/{portal_account}/policies/", CUSTOMER),
    P("portal requests", "/portal/a/{portal_account}/requests/", CUSTOMER),
    P("portal new request", "/portal/a/{portal_account}/requests/new/", CUSTOMER),
    P("portal request", "/portal/a/{portal_account}/requests/{portal_request}/", CUSTOMER),
    P("portal own data", "/portal/a/{portal_account}/data/", CUSTOMER),
    P("portal preferences", "/portal/a/{portal_account}/preferences/", CUSTOMER),
]
# fmt: on


def _cases() -> Iterator[Any]:
    for role, username in LOGINS.items():
        for page in PAGES:
            if role in page.roles:
                for language in LANGUAGES:
                    yield pytest.param(
                        username, page, language, id=f"{username}-{page.name}-{language}"
                    )


# --- the demo site ---------------------------------------------------------------------


@dataclass
class Site:
    url: str
    samples: dict[str, dict[str, Any]]
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A seeded small demo (every capability's demo data) served on a free port."""
    base = tmp_path_factory.mktemp("every_page")
    # GRIDCRM_EVERY_PAGE_VAR: a demo built before (by this fixture) to serve again, so
    # that a developer fixing one page need not wait for the build.
    prebuilt = os.environ.get("GRIDCRM_EVERY_PAGE_VAR")
    installation = Installation(Path(prebuilt) if prebuilt else base / "var")
    installation.extra_env["GRIDCRM_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    if not prebuilt:
        installation.run("demo", "--no-serve", "--customers", "120", "--seed", "3", "-v0")
        installation.probe("seed", str(base))  # finished jobs and a lake import with rejects
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.browser.every_page_samples", *LOGINS.values()],
        env=installation.env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    samples = json.loads(done.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = base / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [GRIDCRM, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=installation.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=5)  # noqa: S310
                break
            except OSError:
                assert server.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield Site(url=url, samples=samples, log=log)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def contexts(browser: Browser, site: Site) -> Iterator[dict[tuple[str, str], BrowserContext]]:
    """One logged-in context per login and language, made on first use."""
    made: dict[tuple[str, str], BrowserContext] = {}
    yield made
    for context in made.values():
        context.close()


def _context(
    made: dict[tuple[str, str], BrowserContext], browser: Browser, site: Site, user: str, lang: str
) -> BrowserContext:
    key = (user, lang)
    if key not in made:
        width, height = WIDTHS[0]
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies([{"name": "django_language", "value": lang, "url": site.url}])
        page = context.new_page()
        page.goto(f"{site.url}/login/")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda u: "/login/" not in u)
        page.close()
        made[key] = context
    return made[key]


# --- what is wrong with a page ---------------------------------------------------------


class Watch:
    """Console errors, uncaught exceptions, failed requests and HTTP errors of one page."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.in_flight = 0
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("request", self.started)
        page.on("requestfinished", self.finished)
        page.on("requestfailed", self.failed)
        page.on("response", self.response)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location})")

    def started(self, request: Request) -> None:
        self.in_flight += 1

    def finished(self, request: Request) -> None:
        self.in_flight -= 1

    def failed(self, request: Request) -> None:
        self.in_flight -= 1
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def settle(self, page: Page) -> None:
        """Wait until the panels a page loads after itself (htmx) have arrived."""
        quiet = 0
        deadline = time.monotonic() + 15
        while quiet < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(50)
            quiet = quiet + 1 if self.in_flight == 0 else 0


REDRAW = """async () => {
  if (!window.Plotly) return;
  const plots = [...document.querySelectorAll(".js-plotly-plot")];
  await Promise.all(plots.map((plot) => window.Plotly.Plots.resize(plot)));
}"""

OVERFLOW = """() => {
  const w = window.innerWidth;
  if (document.documentElement.scrollWidth <= w) return null;
  // Name the widest element that sticks out, so the failure says where to look.
  let worst = null, right = w;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect().right;
    if (r > right + 1) { right = r; worst = el; }
  }
  const name = worst ? worst.tagName.toLowerCase() + (worst.className && typeof worst.className
    === "string" ? "." + worst.className.trim().split(/\\s+/).join(".") : "") +
    (worst.dataset.testid ? `[data-testid=${worst.dataset.testid}]` : "") : "?";
  const wide = document.documentElement.scrollWidth;
  return `${wide} px wide at ${w} (widest: ${name}, ${Math.round(right)} px)`;
}"""


def _around(text: str, code: str) -> str:
    """Where ``code`` first shows in ``text``, with some words either side."""
    at = re.search(rf"(?<![A-Za-z0-9_]){code}(?![A-Za-z0-9_])", text)
    start = at.start() if at else 0
    return " ".join(text[max(0, start - 40) : start + len(code) + 40].split())


def _url(site: Site, username: str, page: P) -> str:
    kinds = re.findall(r"{(\w+)}", page.path)
    missing = [kind for kind in kinds if kind not in site.samples[username]]
    if missing:
        pytest.fail(f"the demo has no {', '.join(missing)} that {username} may open")
    return site.url + page.path.format(**site.samples[username])


@pytest.mark.parametrize(("username", "page_", "language"), list(_cases()))
def test_page(
    browser: Browser,
    site: Site,
    contexts: dict[tuple[str, str], BrowserContext],
    username: str,
    page_: P,
    language: str,
) -> None:
    context = _context(contexts, browser, site, username, language)
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch = Watch(page)
    problems: list[str] = []
    try:
        response = page.goto(_url(site, username, page_), wait_until="load")
        assert response is not None
        watch.settle(page)
        if response.status >= 400:
            problems.append(f"the page answered {response.status}")
        problems += watch.problems
        text = page.evaluate("document.body.innerText")
        codes = codes_in(text, language=language, page=page_.name) if page_.codes else set()
        if codes:
            problems.append(f"raw codes in the text: {', '.join(sorted(codes))}")
            problems += [f"  …{_around(text, code)}…" for code in sorted(codes)]
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            # Charts redraw for the new width as they would have drawn at it on load.
            page.evaluate(REDRAW)
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                problems.append(f"at {width}×{height}: runs off the screen, {overflow}")
    finally:
        page.close()
    where = f"{username} · {page_.name} · {language}"
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def _registered(site: Site, username: str, role: Role) -> set[str]:
    paths = set()
    for page in PAGES:
        if role in page.roles:
            try:
                paths.add(page.path.format(**site.samples[username]).split("?")[0])
            except KeyError:
                continue
    return paths


@pytest.mark.parametrize("role", sorted(STAFF), ids=lambda role: LOGINS[role])
def test_navigation_is_covered(
    browser: Browser,
    site: Site,
    contexts: dict[tuple[str, str], BrowserContext],
    role: Role,
) -> None:
    """Every link of a role's navigation is a line of PAGES for that role."""
    username = LOGINS[role]
    page = _context(contexts, browser, site, username, LANGUAGES[0]).new_page()
    try:
        page.goto(f"{site.url}/")
        links = page.locator("nav.mainnav a").evaluate_all("(as) => as.map(a => a.pathname)")
    finally:
        page.close()
    missing = set(links) - _registered(site, username, role)
    assert not missing, f"{username}'s navigation links to pages not in PAGES: {sorted(missing)}"


def test_every_page_is_visited() -> None:
    names = [p.name for p in PAGES]
    assert len(names) == len(set(names)), "page names name a test: they must differ"
    assert [p.name for p in PAGES if not p.roles] == [], "a page no role may open"
    assert set(AWAITING) | set(ALLOWED_ON) <= set(names), "the code lists name no such page"
