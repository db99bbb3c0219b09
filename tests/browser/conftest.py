"""Browser tests: Chromium through Playwright, with axe-core injected into every page."""

import re
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from tests.conftest import ARTIFACTS, BASE_DIR

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)


class SharedConnectionServer(ThreadedWSGIServer):
    """A live server that runs one request at a time when its threads share a connection.

    With the in-memory SQLite test database, every server thread uses the test's own
    connection. Two requests at once (an autosave racing a form post) would then open a
    transaction inside the other's and fail with "cannot start a transaction within a
    transaction", an error a real deployment, with a connection per thread, never sees.
    Connections are still accepted in threads, so an idle browser socket blocks nothing.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, connections_override=connections_override, **kwargs)
        self.request_lock = threading.Lock() if connections_override else None

    def set_app(self, application):
        if self.request_lock is None:
            return super().set_app(application)

        def one_at_a_time(environ, start_response):
            with self.request_lock:
                return application(environ, start_response)

        return super().set_app(one_at_a_time)


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server_class, live_server):
    """pytest-django's live server, started once the test database exists.

    Started earlier, it would not see that the SQLite test database is in memory, and each of
    its threads would open a connection of its own, which then lock each other's tables.
    """
    return live_server


@pytest.fixture(scope="session")
def live_server_class():
    original = LiveServerThread.server_class
    LiveServerThread.server_class = SharedConnectionServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture
def browser_context_args(browser_context_args, request):
    # Tests may pass more, e.g. parametrize(..., [{"java_script_enabled": False}], indirect=True).
    return {
        **browser_context_args,
        "locale": "en-GB",
        "viewport": {"width": 1280, "height": 900},
        **getattr(request, "param", {}),
    }


@pytest.fixture
def page(context, request):
    """A page with axe-core preloaded and CSP violations collected."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm ci.")
    # An init script is injected by the browser itself, so the page's CSP does not block it.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: (
            page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    yield page
    page.close()


class Visit:
    """Checks made on every page a journey visits: axe-core, CSP, and a screenshot."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.folder = ARTIFACTS / "screenshots" / re.sub(r"[^\w-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def check(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)
        results = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"])
            for v in results["violations"]
        ]
        assert violations == [], f"axe-core on {self.page.url}:\n" + "\n".join(violations)
        # Nothing may make a phone scroll sideways: wide tables scroll inside their own box.
        width = self.page.viewport_size["width"]
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{self.page.url} is {scroll_width}px wide at {width}px"
        assert self.page.csp_violations == [], self.page.csp_violations


class VisitWithoutJavaScript(Visit):
    """The same checks on a page of a context without JavaScript.

    axe-core is still injected, but it waits on timers, which a page whose scripts are disabled
    never fires: the check would hang. Scripts are switched on through the DevTools protocol for
    the check alone. The page's own scripts do not run then: they were skipped when it loaded.
    """

    def __init__(self, page, test_name: str):
        super().__init__(page, test_name)
        self.devtools = page.context.new_cdp_session(page)

    def _scripts(self, *, enabled: bool) -> None:
        # Chromium ignores a request that leaves this session's own setting as it was, and a
        # new session's setting is "on" while Playwright's keeps scripts off: say "off" first.
        self.devtools.send("Emulation.setScriptExecutionDisabled", {"value": True})
        if enabled:
            self.devtools.send("Emulation.setScriptExecutionDisabled", {"value": False})

    def check(self, name: str) -> None:
        self._scripts(enabled=True)
        try:
            super().check(name)
        finally:
            self._scripts(enabled=False)


@pytest.fixture
def visit(page, request):
    return Visit(page, request.node.name)


@pytest.fixture
def visit_without_javascript(page, request):
    """Visit's checks for a test marked browser_context_args(java_script_enabled=False)."""
    return VisitWithoutJavaScript(page, request.node.name)


@pytest.fixture
def site(live_server):
    """The live server's URL, with the database usable from the test thread."""
    return live_server.url


@pytest.fixture
def browser_for(new_context, request):
    """Open a browser of its own for another person: (page, visit), with the test's context
    arguments (JavaScript off too, when the test is so marked). Their screenshots go to a folder
    named after the person."""
    marker = request.node.get_closest_marker("browser_context_args")
    with_javascript = marker.kwargs.get("java_script_enabled", True) if marker else True

    def open_for(who: str):
        context = new_context()
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda msg: (
                page.csp_violations.append(msg.text)
                if "Content Security Policy" in msg.text
                else None
            ),
        )
        checks = Visit if with_javascript else VisitWithoutJavaScript
        return page, checks(page, f"{request.node.name}-{who}")

    return open_for
