"""Running the verifier service: binding, uvicorn workers, the pre-fork supervisor and
the signals that reload the policy or stop."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import PyioctlError
from ..policy import Policy, load_policy

if TYPE_CHECKING:
    import ssl

    from .service import VerifierApp

__all__ = ["EarlyHup", "ServerOptions", "parse_listen", "serve"]


class EarlyHup:
    """SIGHUP's handler until the event loop's takes over: the default action would kill
    a process still starting, and ignoring the signal would lose the reload it asks for,
    so it is noted here and done once the loop handles SIGHUP."""

    def __init__(self) -> None:
        self.pending = False

    def __call__(self, signum: int, frame: object) -> None:
        self.pending = True

    def take(self) -> bool:
        pending, self.pending = self.pending, False
        return pending


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT`` → (host, port); port 0 picks a free one."""
    host, sep, port = listen.rpartition(":")
    # [0-9] only: isdigit() also takes "²", which int() then refuses with another error.
    # An IPv6 host is bracketed, so "127.0.0.1::0" is refused rather than bound oddly.
    bracketed = host.startswith("[") and host.endswith("]")
    if (
        not sep
        or not host
        or (":" in host and not bracketed)
        or not (port.isascii() and port.isdigit())
        or int(port) > 65535
    ):
        raise ValueError(f"expected HOST:PORT, not {listen!r}")
    return host.strip("[]"), int(port)


def _bind(listen: str) -> socket.socket:
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=4096)
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class ServerOptions:
    """The operator's knobs of ``ioctl jwt serve`` beyond policy, address and workers."""

    timeout_keep_alive: float = 5.0  # idle keep-alive connections are closed after it
    timeout_headers: float = 10.0  # a request's head must be complete within it
    limit_concurrency: int | None = None  # connections beyond it get 503 and are closed
    tls_cert: str | None = None
    tls_key: str | None = None

    def tls_context(self) -> ssl.SSLContext | None:
        """The TLS context every worker serves with, made once before binding: unusable
        files stop the start rather than every worker, and a worker never reads the key
        again. An encrypted key is refused: OpenSSL would ask for its pass phrase on the
        terminal, where the start (and each worker) would wait."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise PyioctlError("--tls-cert and --tls-key go together", code="invalid_argument")
        if self.tls_cert is None:
            return None
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(self.tls_cert, self.tls_key, _refuse_pass_phrase)
        except _Encrypted:
            problem = (
                f"{self.tls_key} is encrypted; give the service an unencrypted key that "
                "only its user can read"
            )
        except (OSError, ssl.SSLError) as exc:
            problem = str(exc.strerror or exc)
        else:
            return context
        raise PyioctlError(
            f"cannot use the TLS certificate and key: {problem}", code="invalid_argument"
        )


class _Encrypted(Exception):
    """The TLS key needs a pass phrase."""


def _refuse_pass_phrase() -> str:
    raise _Encrypted


def _protocol() -> type:
    """uvicorn's httptools protocol plus a deadline for each request's head.

    uvicorn only times out a connection that is idle after a response: one that never
    sends a request, or sends its headers a byte at a time (slowloris), is kept for good.
    Here a head must be complete ``timeout_headers`` seconds after the connection opens or
    the request starts; the connection is closed otherwise.
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class Protocol(HttpToolsProtocol):
        def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(config, *args, **kwargs)
            self.timeout_headers: float = config.timeout_headers
            self.head_deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self.head_deadline is None:
                self.head_deadline = self.loop.call_later(self.timeout_headers, self._expire)

        def _disarm(self) -> None:
            if self.head_deadline is not None:
                self.head_deadline.cancel()
                self.head_deadline = None

        def _expire(self) -> None:
            self.head_deadline = None
            if not self.transport.is_closing():
                self.transport.close()

        # Narrowed from asyncio's BaseTransport exactly as uvicorn's own protocol does.
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Protocol


def _run_worker(
    app: VerifierApp,
    sock: socket.socket,
    options: ServerOptions = ServerOptions(),
    tls: ssl.SSLContext | None = None,
) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        http=_protocol(),
        lifespan="on",
        access_log=False,  # every decision is already one JSON line
        proxy_headers=False,  # the client address is never used; skip that middleware
        log_level="warning",
        server_header=False,
        backlog=4096,
        # uvicorn annotates an int but hands it to loop.call_later: fractions work.
        timeout_keep_alive=options.timeout_keep_alive,  # type: ignore[arg-type]
        limit_concurrency=options.limit_concurrency,
    )
    # Our own setting, carried to Protocol.__init__ above on uvicorn's config object.
    config.timeout_headers = options.timeout_headers  # type: ignore[attr-defined]
    # Given the files, uvicorn would read them again in each worker, and leave a pass
    # phrase to OpenSSL's terminal prompt: it serves the context made at the start instead.
    config.load()
    config.ssl = tls
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    policy_path: str | os.PathLike[str],
    listen: str = "127.0.0.1:8080",
    workers: int = 1,
    options: ServerOptions = ServerOptions(),
) -> None:
    """Run the verifier until SIGINT/SIGTERM; SIGHUP reloads the policy.

    The policy is loaded before binding, so a bad one stops the start with a PolicyError.
    With ``workers`` > 1 this process forks the workers over one listening socket, checks a
    new policy on SIGHUP before passing the signal on (so a bad one is refused once, and no
    worker ever runs without a policy), and replaces workers that die.
    """
    # From here on SIGHUP cannot kill the process: until a handler of the event loop (or
    # the supervisor) is installed, it is noted and the reload done then.
    early_hup = EarlyHup()
    previous = signal.signal(signal.SIGHUP, early_hup)
    try:
        _serve(policy_path, listen, workers, early_hup, options)
    finally:
        signal.signal(signal.SIGHUP, previous)


def _serve(
    policy_path: str | os.PathLike[str],
    listen: str,
    workers: int,
    early_hup: EarlyHup,
    options: ServerOptions,
) -> None:
    try:
        import uvicorn  # noqa: F401 - checked before binding, used by the workers
    except ImportError:
        raise PyioctlError(
            "the verifier service needs uvicorn: pip install 'pyioctl[server]' "
            "(from a checkout: pip install '.[server]')",
            code="missing_dependency",
        ) from None
    tls = options.tls_context()
    policy = load_policy(policy_path)
    sock = _bind(listen)
    if workers <= 1:
        # One process keeps its metrics in memory: no directory to leave behind when
        # uvicorn ends by re-raising the SIGTERM it caught.
        _start(policy_path, policy, sock, workers, early_hup, options, tls)
        return
    # Every process writes its metrics here and a scrape of any worker sums them. It must
    # be set before prometheus_client makes its first value, hence the late import below.
    metrics_dir = tempfile.mkdtemp(prefix="pyioctl-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        _start(policy_path, policy, sock, workers, early_hup, options, tls)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _start(
    policy_path: str | os.PathLike[str],
    policy: Policy,
    sock: socket.socket,
    workers: int,
    early_hup: EarlyHup,
    options: ServerOptions,
    tls: ssl.SSLContext | None,
) -> None:
    from .service import VerifierApp

    host, port = sock.getsockname()[:2]
    app = VerifierApp(policy, policy_path, handle_sighup=workers <= 1)
    app.early_hup = early_hup
    app.log.event(
        "start",
        listen=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        policy=str(policy_path),
        workers=max(workers, 1),
        warnings=policy.warnings,
    )
    if workers <= 1:
        _run_worker(app, sock, options, tls)
    else:
        _Supervisor(app, sock, workers, options, tls).run()


_PR_SET_PDEATHSIG = 1
_HANDLED = {signal.SIGHUP, signal.SIGTERM, signal.SIGINT}
_ORPHAN_POLL = 1.0


def _die_with(parent: int) -> None:
    """Make this worker stop when the supervisor ``parent`` dies, even by SIGKILL, rather
    than serve on alone with a policy nobody can reload: Linux's parent-death signal, and
    a watch of getppid() wherever that is missing (or the parent died before it was set)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_ORPHAN_POLL)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


class _Supervisor:
    RESPAWN_BACKOFF = 1.0

    def __init__(
        self,
        app: VerifierApp,
        sock: socket.socket,
        workers: int,
        options: ServerOptions,
        tls: ssl.SSLContext | None,
    ) -> None:
        self.app = app
        self.options = options
        self.tls = tls
        self.sock = sock
        self.workers = workers
        self.children: dict[int, float] = {}
        self.stopping = False
        self.parent = os.getpid()

    def spawn(self) -> None:
        # Held until the parent has recorded the child and the child has its own handlers:
        # a reload handled in between would miss the child, forked with the old policy,
        # and the child would run the supervisor's handlers (signalling its siblings).
        signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
        try:
            pid = os.fork()
            if pid == 0:
                self._worker()
            self.children[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)

    def _worker(self) -> NoReturn:
        status = 1
        try:
            # Inherited handlers belong to the supervisor; uvicorn installs its own for
            # INT/TERM and the app one for HUP, which until then is noted (the default
            # would kill, and ignoring it would lose a reload passed on while starting).
            self.app.early_hup = EarlyHup()
            signal.signal(signal.SIGHUP, self.app.early_hup)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
            self.app.handle_sighup = True
            _die_with(self.parent)
            _run_worker(self.app, self.sock, self.options, self.tls)
            status = 0
        finally:
            os._exit(status)

    def on_stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def on_hup(self, signum: int, frame: object) -> None:
        policy = self.app.load_policy()  # a bad one is logged and counted there
        if policy is None:
            return
        # Later respawns start from the new policy too.
        self.app.policy = policy
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)

    def run(self) -> None:
        from prometheus_client import multiprocess

        signal.signal(signal.SIGTERM, self.on_stop)
        signal.signal(signal.SIGINT, self.on_stop)
        signal.signal(signal.SIGHUP, self.on_hup)
        if self.app.early_hup is not None and self.app.early_hup.take():
            self.on_hup(signal.SIGHUP, None)  # before any worker starts from the old policy
        for _ in range(self.workers):
            self.spawn()
        while self.children:
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if self.stopping or started is None:
                continue
            self.app.log.event("worker_exit", pid=pid)
            with contextlib.suppress(OSError):
                # prometheus_client leaves this function unannotated.
                multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
            if time.monotonic() - started < self.RESPAWN_BACKOFF:
                time.sleep(self.RESPAWN_BACKOFF)  # do not spin on a worker that cannot start
            self.spawn()
