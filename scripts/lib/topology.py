"""westcheck as it runs in production, several processes on one machine, on a throwaway database.

`topology()` starts K gunicorn instances (each with its own sync workers) on free ports of
127.0.0.1, optionally a redis-server on a unix socket and the task worker (`manage.py
db_worker`, when this checkout has it), all on a fresh database: a SQLite file in a temporary
directory, or a `westcheck_topo_<random>` database on a PostgreSQL server whose URL is given.
The database is migrated with `manage.py migrate` and seeded through the app's services
(scripts/lib/topology_seed.py). Every process runs the site's own settings with production
values (DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1) except two, so that plain
http on loopback works and start-up stays quick: SECURE=false, and static files served from
their sources (no collectstatic, which takes a minute and more; the pages never load them).

Everything is stopped on the way out, after an error and on Ctrl+C; SIGTERM to this process
becomes a normal exit; and each process is started with Linux's parent-death signal, so that
none outlives this one even if it is killed. Each process's output goes to a file in the
temporary directory; the last lines of each are printed when start-up or the body fails.

`Browser` is a small HTTP client with a cookie jar, CSRF tokens read from forms as a browser
sends them, log-in and log-out. Only the standard library and the project's virtualenv are used;
nothing here imports Django, so tests and scripts can use it without configuring it.
"""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SETTINGS_MODULE = "westcheck_topology_settings"  # written into the temporary directory
PASSWORD = "correct horse battery staple"  # noqa: S105 (of every seeded test account)
STARTUP_TIMEOUT = 60  # seconds for a process to become ready
REQUEST_TIMEOUT = 60  # seconds for one request; gunicorn's worker timeout is the same
STOP_TIMEOUT = 10  # seconds for a process to stop after its stop signal, before SIGKILL
WORKER_COMMAND = "db_worker"
# Of this process's environment only these reach the servers: the rest is set here, so that a
# developer's DEBUG, DATABASE_URL or EMAIL_BACKEND cannot change what is tested.
KEPT_ENVIRONMENT = {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME"}

SETTINGS_SHIM = '''"""Settings of the processes started by scripts/lib/topology.py: the site's own, except:"""

from westcheck.settings import *  # noqa: F403

# Static files from their sources, as collectstatic would take a minute and more.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
'''


class TopologyError(RuntimeError):
    """A process of the topology could not be started or did not become ready."""


# --- Processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _with_parent_death_signal(signum: int) -> Callable[[], None]:
    def preexec() -> None:
        # Run in the child after any change of user, which would clear the setting again.
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signum)  # PR_SET_PDEATHSIG

    return preexec


@dataclass
class Process:
    """A child process whose output (stdout and stderr) goes to `log`."""

    name: str
    popen: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40, since: int = 0) -> str:
        try:
            with open(self.log, "rb") as handle:
                handle.seek(since)
                text = handle.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def signal_stop(self) -> None:
        if self.alive():
            with suppress(ProcessLookupError):
                self.popen.send_signal(self.stop_signal)

    def wait_stopped(self, timeout: float = STOP_TIMEOUT) -> None:
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=timeout)


def spawn(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    logs: Path,
    stop_signal: int = signal.SIGTERM,
    user: str | None = None,
) -> Process:
    """Start `command` in the repository, in its own session, its output into logs/NAME.log."""
    log = logs / f"{name}.log"
    with open(log, "ab") as out:
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl+C reaches this process only, which then stops the others
            # in order.
            start_new_session=True,
            user=user,
            group=user,
            preexec_fn=_with_parent_death_signal(stop_signal),
        )
    return Process(name, popen, log, stop_signal)


def stop_all(processes: list[Process]) -> None:
    """Signal every process, then wait for each (SIGKILL after STOP_TIMEOUT seconds)."""
    for process in processes:
        process.signal_stop()
    for process in processes:
        process.wait_stopped()


def _run(command: list[str], *, env: dict[str, str], what: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise TopologyError(f"{what} failed (status {result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit in the main thread, so that `finally` blocks stop children."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- Databases -----------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries: $PG_BIN, or Debian's /usr/lib/postgresql/*/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(part) for part in re.findall(r"\d+", p.parent.name)] or [0],
    )
    found = [p for p in found if (p / "initdb").exists()]
    return found[-1] if found else None


@contextmanager
def postgres_server(*, fsync: bool = True, say: Callable[[str], None] = lambda _: None):
    """A throwaway PostgreSQL cluster on a free port of 127.0.0.1; yields its server URL.

    As root, initdb and the server run as the `postgres` user (initdb refuses root). The server
    is a direct child with the parent-death signal, so it never outlives this process.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise TopologyError("PostgreSQL server binaries not found (apt-get install postgresql).")
    directory = Path(tempfile.mkdtemp(prefix="westcheck-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    try:
        data = directory / "data"
        data.mkdir(mode=0o700)
        if user:
            shutil.chown(directory, user, user)
            shutil.chown(data, user, user)
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT}
        env["LC_ALL"] = "C.UTF-8"
        init = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E",
             "UTF8", "--locale=C.UTF-8"],
            env=env, user=user, group=user, capture_output=True, text=True, check=False, cwd="/",
        )  # fmt: skip
        if init.returncode != 0:
            raise TopologyError(f"initdb failed:\n{init.stderr[-2000:]}")
        port = free_port()
        options = ["-c", "listen_addresses=" + HOST, "-p", str(port), "-k", str(directory)]
        if not fsync:
            options += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        logs = directory
        server = spawn(
            "postgres",
            [str(bin_dir / "postgres"), "-D", str(data), *options],
            env=env,
            logs=logs,
            stop_signal=signal.SIGINT,  # "fast" shutdown
            user=user,
        )
        try:
            url = f"postgres://postgres@{HOST}:{port}/postgres"
            _wait_for(lambda: _postgres_answers(url), server, "PostgreSQL")
            say(f"PostgreSQL {bin_dir.parent.name} on {HOST}:{port} (throwaway cluster)")
            yield url
        finally:
            stop_all([server])
    finally:
        _remove(directory)


def _postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    scheme = "postgres" if parts.scheme in {"postgres", "postgresql"} else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/" + name, parts.query, ""))


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh `westcheck_topo_<random>` database on the server; yields its URL, then drops it."""
    import psycopg
    from psycopg import sql

    name = f"westcheck_topo_{secrets.token_hex(4)}"
    admin = _with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# --- The topology --------------------------------------------------------------------------


@dataclass
class Instance:
    """One gunicorn master with its workers."""

    name: str
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Seeded:
    """What the seed created: accounts (one password for all), assessments, questions."""

    accounts: list[str]
    password: str
    project: int
    assessments: list[int]
    sections: dict[str, list[str]]  # section key -> keys of the questions that apply
    ratings: list[str]  # the checklist's rating keys, lowest first


@dataclass
class Topology:
    directory: Path
    database: str  # a description
    env: dict[str, str]  # of every process
    instances: list[Instance]
    workers: int  # sync workers of each instance
    seeded: Seeded
    mail_dir: Path
    redis_url: str | None = None
    worker: Process | None = None
    processes: list[Process] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [instance.url for instance in self.instances]

    def browser(self, instance: int = 0) -> Browser:
        return Browser(self.instances[instance].url)

    def log_marks(self) -> dict[str, int]:
        """Where each log ends now: give it to logs() to see only what came after."""
        return {p.name: p.log_size() for p in self.processes}

    def logs(self, since: dict[str, int] | None = None, lines: int = 40) -> str:
        parts = []
        for process in self.processes:
            text = process.tail(lines, (since or {}).get(process.name, 0))
            state = "running" if process.alive() else f"exited {process.popen.returncode}"
            parts.append(f"--- {process.name} ({state}), {process.log} ---\n{text or '(empty)'}")
        return "\n".join(parts)

    def describe(self) -> str:
        lines = [
            f"{len(self.instances)} gunicorn instances x {self.workers} sync workers: "
            + ", ".join(i.url for i in self.instances),
            f"database: {self.database}",
            f"shared cache: {'Redis at ' + self.redis_url if self.redis_url else 'no Redis'}",
            "task worker: "
            + (f"manage.py {WORKER_COMMAND}" if self.worker else "none (no db_worker command)"),
            f"logs: {self.directory / 'logs'}",
        ]
        return "\n".join(lines)


@contextmanager
def topology(
    *,
    database: str = "sqlite",
    instances: int = 2,
    workers: int = 2,
    redis: bool = False,
    task_worker: bool = True,
    accounts: int = 1,
    assessments: int = 1,
    keep: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[Topology]:
    """Start the topology; yield it; stop everything and delete the temporary directory.

    `database` is "sqlite" or a PostgreSQL server URL (postgres://user@host:port/any): a fresh
    database is created on that server and dropped at the end. `keep` (or, after a failure,
    the environment variable TOPOLOGY_KEEP=1) keeps the temporary directory (logs, SQLite file,
    e-mails) and prints where it is.
    """
    if instances < 1 or workers < 1 or accounts < 1:
        raise ValueError("Give at least one instance, one worker and one account.")
    directory = Path(tempfile.mkdtemp(prefix="westcheck-topology-"))
    logs = directory / "logs"
    mail_dir = directory / "mail"
    logs.mkdir()
    mail_dir.mkdir()
    (directory / "static").mkdir()  # STATIC_ROOT: empty, static files come from the finders
    (directory / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SHIM)
    processes: list[Process] = []
    failed = True
    try:
        with ExitStack() as stack, _sigterm_as_exit():
            started = time.monotonic()
            if database == "sqlite":
                database_url = f"sqlite:///{directory / 'westcheck.sqlite3'}"
                description = "SQLite (temporary file, WAL)"
            elif database.startswith(("postgres://", "postgresql://")):
                database_url = stack.enter_context(postgres_database(database))
                description = f"PostgreSQL (database {urlsplit(database_url).path[1:]})"
            else:
                raise ValueError(
                    f"database must be 'sqlite' or a postgres:// URL, not {database!r}"
                )
            # Callbacks run last-in first-out: the processes stop before the database is dropped.
            stack.callback(stop_all, processes)
            env = {k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT or k[:3] == "LC_"}
            env.update(
                {
                    "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
                    "PYTHONPATH": f"{directory}{os.pathsep}{ROOT}",
                    "PYTHONUNBUFFERED": "1",
                    "DATABASE_URL": database_url,
                    "DEBUG": "false",
                    "SECRET_KEY": secrets.token_urlsafe(50),
                    "ALLOWED_HOSTS": HOST,
                    "SECURE": "false",
                    "STATIC_ROOT": str(directory / "static"),
                    "MEDIA_ROOT": str(directory / "media"),
                    # The worker delivers queued e-mail into files there.
                    "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                    "EMAIL_FILE_PATH": str(mail_dir),
                }
            )
            redis_url = None
            if redis:
                redis_url = _start_redis(directory, env, logs, processes)
                env["REDIS_URL"] = redis_url
            # Whether this checkout has the task worker, asked while the database migrates.
            probe = subprocess.Popen(
                [sys.executable, "manage.py", "help", WORKER_COMMAND],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _run(
                    [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                    env=env,
                    what="manage.py migrate",
                )
            finally:
                found_worker = probe.wait(timeout=120) == 0
            with_worker = found_worker and task_worker
            if not with_worker:
                # No queue to hand e-mail to: the servers write it into files themselves.
                env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
            spec = {"password": PASSWORD, "accounts": accounts, "assessments": assessments}
            out = _run(
                [sys.executable, str(ROOT / "scripts/lib/topology_seed.py")],
                env=env,
                what="seeding",
                stdin=json.dumps(spec),
            )
            line = next((x for x in out.splitlines() if x.startswith("SEEDED ")), None)
            if line is None:
                raise TopologyError(f"The seed printed nothing to read:\n{out[-2000:]}")
            seeded = Seeded(password=PASSWORD, **json.loads(line[len("SEEDED ") :]))
            say(f"Database migrated and seeded in {time.monotonic() - started:.1f} s")

            servers = _start_instances(instances, workers, env, logs, processes)
            worker = None
            if with_worker:
                worker = spawn(
                    "worker",
                    [sys.executable, "manage.py", WORKER_COMMAND],
                    env=env,
                    logs=logs,
                )
                processes.append(worker)
            result = Topology(
                directory=directory,
                database=description,
                env=env,
                instances=servers,
                workers=workers,
                seeded=seeded,
                mail_dir=mail_dir,
                redis_url=redis_url,
                worker=worker,
                processes=processes,
            )
            if worker is not None:
                time.sleep(0.5)
                if not worker.alive():
                    raise TopologyError(f"The task worker stopped:\n{worker.tail()}")
            say(f"Topology up in {time.monotonic() - started:.1f} s:\n{result.describe()}")
            yield result
            failed = False
    except BaseException:
        if processes:
            print(
                "\nThe topology's processes, last lines of each log:\n"
                + "\n".join(_tails(processes)),
                file=sys.stderr,
            )
        raise
    finally:
        if keep or (failed and os.environ.get("TOPOLOGY_KEEP")):
            print(f"Kept the topology's files in {directory}", file=sys.stderr)
        else:
            _remove(directory)


def _remove(directory: Path) -> None:
    for _ in range(3):  # a process that has just stopped may still be closing a file there
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists():
            return
        time.sleep(0.5)
    print(f"Could not remove {directory}", file=sys.stderr)


def _tails(processes: list[Process]) -> list[str]:
    return [
        f"--- {p.name} ({'running' if p.alive() else f'exited {p.popen.returncode}'}) ---\n"
        f"{p.tail() or '(empty)'}"
        for p in processes
    ]


def _start_redis(directory: Path, env: dict, logs: Path, processes: list[Process]) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise TopologyError("redis-server is not installed (apt-get install redis-server).")
    path = directory / "redis.sock"
    server = spawn(
        "redis",
        [binary, "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700",
         "--save", "", "--appendonly", "no", "--dir", str(directory)],
        env=env,
        logs=logs,
    )  # fmt: skip
    processes.append(server)
    _wait_for(lambda: _redis_answers(path), server, "redis-server")
    return f"unix://{path}"


def _redis_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(str(path))
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _gunicorn(name: str, port: int, workers: int, env: dict, logs: Path) -> Process:
    return spawn(
        name,
        [sys.executable, "-m", "gunicorn", "westcheck.wsgi:application",
         "--bind", f"{HOST}:{port}",
         "--workers", str(workers),
         "--worker-class", "sync",
         "--timeout", str(REQUEST_TIMEOUT),
         "--graceful-timeout", "5",
         "--chdir", str(ROOT),
         "--no-control-socket",
         "--log-level", "warning",
         "--error-logfile", "-",
         "--access-logfile", str(logs / f"{name}-access.log")],
        env=env,
        logs=logs,
    )  # fmt: skip


def _start_instances(
    count: int, workers: int, env: dict, logs: Path, processes: list[Process]
) -> list[Instance]:
    """Start every instance at once, then wait for each to answer /healthz."""
    servers = []
    for n in range(count):
        name = "abcdefghijklmnopqrstuvwxyz"[n] if n < 26 else str(n)
        port = free_port()
        process = _gunicorn(f"gunicorn-{name}", port, workers, env, logs)
        processes.append(process)
        servers.append(Instance(name.upper(), port, process))
    for n, server in enumerate(servers):
        for attempt in range(3):
            try:
                _wait_for(lambda s=server: _healthy(s.port), server.process, server.process.name)
                break
            except TopologyError:
                # Another program may have taken the free port meanwhile: try another one.
                if attempt == 2 or "in use" not in server.process.tail():
                    raise
                port = free_port()
                process = _gunicorn(server.process.name, port, workers, env, logs)
                processes.append(process)
                servers[n] = server = Instance(server.name, port, process)
    return servers


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    if response.status != 200:
        raise TopologyError(f"/healthz on port {port} answered {response.status}: {body[:300]!r}")
    return True


def _wait_for(ready: Callable[[], bool], process: Process, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready():
        if not process.alive():
            raise TopologyError(
                f"{what} stopped with status {process.popen.returncode}:\n{process.tail()}"
            )
        if time.monotonic() > deadline:
            raise TopologyError(
                f"{what} was not ready within {STARTUP_TIMEOUT} s:\n{process.tail()}"
            )
        time.sleep(0.1)


# --- A browser -----------------------------------------------------------------------------


@dataclass
class Form:
    """A form of a page: what a browser would submit (checked boxes only), and its buttons."""

    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((value for key, value in self.fields if key == name), default)

    def values(self) -> dict[str, str]:
        return dict(self.fields)

    def set(self, name: str, value: str) -> None:
        """Change a field as a person (or a script) would; add it if it was not sent before."""
        for n, (key, _) in enumerate(self.fields):
            if key == name:
                self.fields[n] = (name, value)
                return
        self.fields.append((name, value))


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(attrs=a)
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name", "")
        kind = a.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "input" and name:
            if kind == "submit":
                form.buttons.append((name, a.get("value", "")))
            elif kind in {"radio", "checkbox"}:
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in {"button", "reset", "image", "file"}:
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and kind == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            # As in a browser: a newline right after <textarea> is not part of the value.
            self._form.fields.append((self._textarea, text[1:] if text[:1] == "\n" else text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self._form.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def encode_multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """multipart/form-data, as fetch() sends a FormData."""
    boundary = "----westcheck" + secrets.token_hex(12)
    lines = []
    for name, value in fields:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@dataclass
class Response:
    method: str
    path: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float  # seconds from sending the request to reading the whole body

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def json(self):
        return json.loads(self.body)

    def forms(self) -> list[Form]:
        return parse_forms(self.text)

    def describe(self) -> str:
        where = f" to {self.location}" if self.location else ""
        return f"{self.method} {self.path}: {self.status}{where} {self.body[:300]!r}"


class Jar:
    """Cookies of one browser, which it sends to every instance (cookies ignore the port), and
    the CSRF token of the last form it was given."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.form_token: str | None = None


class Browser:
    """A browser without JavaScript: a cookie jar, forms, CSRF tokens; one connection a request.

    `on(url)` gives a browser that shares this one's cookies but talks to another instance, as
    a browser behind a load balancer would.
    """

    CSRF_COOKIE = "csrftoken"
    SESSION_COOKIE = "sessionid"

    def __init__(self, url: str, *, jar: Jar | None = None, timeout: float = REQUEST_TIMEOUT):
        parts = urlsplit(url)
        self.url = url.rstrip("/")
        self.host, self.port = parts.hostname or HOST, parts.port or 80
        self.jar = jar or Jar()
        self.timeout = timeout

    def on(self, url: str) -> Browser:
        return Browser(url, jar=self.jar, timeout=self.timeout)

    @property
    def cookies(self) -> dict[str, str]:
        return self.jar.cookies

    def csrf_token(self) -> str:
        """The token of the last form this browser was given, or else the cookie's value."""
        token = self.jar.form_token or self.jar.cookies.get(self.CSRF_COOKIE)
        if not token:
            raise RuntimeError("No CSRF token yet: get a page with a form first.")
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | list[tuple[str, str]] | None = None,
        multipart: bool = False,
        headers: dict[str, str] | None = None,
        referer: str | None = None,
    ) -> Response:
        sent = {
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "en",
            "User-Agent": "westcheck-topology",
        }
        body = None
        if method == "POST":
            fields = list(data.items()) if isinstance(data, dict) else list(data or [])
            if not any(name == "csrfmiddlewaretoken" for name, _ in fields):
                fields.insert(0, ("csrfmiddlewaretoken", self.csrf_token()))
            if multipart:
                body, sent["Content-Type"] = encode_multipart(fields)
            else:
                body = urlencode(fields).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.url
            sent["Referer"] = self.url + (referer or path)
        sent.update(headers or {})
        if self.jar.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.cookies.items())
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        self._remember(response, content)
        return Response(method, path, response.status, response.headers, content, elapsed)

    def _remember(self, response: http.client.HTTPResponse, content: bytes) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if name == self.CSRF_COOKIE and self.jar.cookies.get(name) != morsel.value:
                    self.jar.form_token = None  # a new secret: old forms' tokens are void
                if morsel["max-age"] == "0" or not morsel.value:
                    self.jar.cookies.pop(name, None)
                else:
                    self.jar.cookies[name] = morsel.value
        if "html" in response.headers.get("Content-Type", ""):
            found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
            if found:
                self.jar.form_token = found.group(1).decode()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def json(self, method: str, path: str, **kwargs) -> tuple[Response, object]:
        """A request whose answer should be JSON: the response, and the parsed body (or None)."""
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        response = self.request(method, path, headers=headers, **kwargs)
        try:
            return response, response.json()
        except ValueError:
            return response, None

    def submit(self, response: Response, changes: dict[str, str] | None = None, **kwargs):
        """Post the page's first form as it is, with `changes` applied (a browser without JS)."""
        forms = [f for f in response.forms() if f.attrs.get("method", "").lower() == "post"]
        if not forms:
            raise RuntimeError(f"No form to submit on {response.path}")
        form = forms[0]
        fields = [(k, v) for k, v in form.fields if k not in (changes or {})]
        fields += list((changes or {}).items())
        action = form.attrs.get("action") or response.path
        return self.post(action, fields, referer=response.path, **kwargs)

    def login(self, email: str, password: str) -> Response:
        """GET the login page (CSRF cookie and token), POST the address and password.

        Returns the POST's response: 302 to the dashboard when it worked.
        """
        page = self.get("/accounts/login/")
        if page.status != 200:
            raise RuntimeError(f"The login page gave {page.describe()}")
        return self.submit(page, {"username": email, "password": password})

    def logout(self) -> Response:
        """Press "Log out" on the confirmation page (POST /accounts/logout/)."""
        page = self.get("/accounts/logout/")
        if page.status != 200:
            raise RuntimeError(f"The log-out page gave {page.describe()}")
        return self.submit(page)


# --- The walk-through, as a browser does it ------------------------------------------------


def section_path(assessment: int, section: str) -> str:
    return f"/assessments/{assessment}/sections/{section}/"


def answer_form(response: Response) -> Form:
    """The section page's form of answers (the one static/js/autosave.js enhances)."""
    for form in response.forms():
        if "data-autosave" in form.attrs:
            return form
    raise RuntimeError(f"No form of answers on {response.describe()}")


def question_fields(form: Form, key: str) -> dict[str, str]:
    """One question's fields as the page shows them (the rating only when one is chosen)."""
    prefix = f"q{key}-"
    return {name: value for name, value in form.fields if name.startswith(prefix)}


def autosave(browser: Browser, path: str, form: Form, key: str, **values: str) -> Response:
    """What static/js/autosave.js posts when a question changes: the token, `autosave=<key>`
    and that question's fields (with `values` changed: rating, evidence_note ...) as
    multipart/form-data with `X-Requested-With: fetch`; JSON comes back."""
    fields = question_fields(form, key)
    fields.update({f"q{key}-{name}": value for name, value in values.items()})
    data = [("csrfmiddlewaretoken", form.get("csrfmiddlewaretoken") or browser.csrf_token())]
    data += [("autosave", key), *fields.items()]
    return browser.post(
        path,
        data,
        multipart=True,
        headers={"X-Requested-With": "fetch", "Accept": "*/*"},
        referer=path,
    )


def whole_form(
    browser: Browser,
    path: str,
    form: Form,
    changes: dict[str, dict[str, str]],
    action: str = "continue",
) -> Response:
    """The section's form sent without JavaScript: every field as shown, the questions in
    `changes` ({key: {field: value}}) changed, and the pressed button (`action`)."""
    changed = {
        f"q{key}-{name}": value for key, values in changes.items() for name, value in values.items()
    }
    fields = [(name, value) for name, value in form.fields if name not in changed]
    fields += [*changed.items(), ("action", action)]
    return browser.post(path, fields, referer=path)
