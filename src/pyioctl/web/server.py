"""Running the verifier service: binding, uvicorn workers, the pre-fork supervisor and
the signals that reload the policy or stop."""

from __future__ import annotations

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
from typing import TYPE_CHECKING

from ..errors import PyioctlError
from ..policy import Policy

if TYPE_CHECKING:
    from .service import VerifierApp

__all__ = ["EarlyHup", "parse_listen", "serve"]


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
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT, not {listen!r}")
    return host.strip("[]"), int(port)


def _bind(listen: str) -> socket.socket:
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=4096)
    sock.set_inheritable(True)
    return sock


def _run_worker(app: VerifierApp, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        lifespan="on",
        access_log=False,  # every decision is already one JSON line
        proxy_headers=False,  # the client address is never used; skip that middleware
        log_level="warning",
        server_header=False,
        backlog=4096,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    policy_path: str | os.PathLike[str], listen: str = "127.0.0.1:8080", workers: int = 1
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
        _serve(policy_path, listen, workers, early_hup)
    finally:
        signal.signal(signal.SIGHUP, previous)


def _serve(
    policy_path: str | os.PathLike[str], listen: str, workers: int, early_hup: EarlyHup
) -> None:
    try:
        import uvicorn  # noqa: F401 - checked before binding, used by the workers
    except ImportError:
        raise PyioctlError(
            "the verifier service needs uvicorn: pip install 'pyioctl[server]'",
            code="missing_dependency",
        ) from None
    policy = Policy.load(policy_path)
    sock = _bind(listen)
    # Every process writes its metrics here and a scrape of any worker sums them. It must
    # be set before prometheus_client makes its first value, hence the late import below.
    metrics_dir = tempfile.mkdtemp(prefix="pyioctl-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        _start(policy_path, policy, sock, workers, early_hup)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _start(
    policy_path: str | os.PathLike[str],
    policy: Policy,
    sock: socket.socket,
    workers: int,
    early_hup: EarlyHup,
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
        _run_worker(app, sock)
    else:
        _Supervisor(app, sock, workers).run()


_PR_SET_PDEATHSIG = 1
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

    def __init__(self, app: VerifierApp, sock: socket.socket, workers: int) -> None:
        self.app = app
        self.sock = sock
        self.workers = workers
        self.children: dict[int, float] = {}
        self.stopping = False
        self.parent = os.getpid()

    def spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                # Inherited handlers belong to the supervisor; uvicorn installs its own for
                # INT/TERM and the app one for HUP, which until then is noted (the default
                # would kill, and ignoring it would lose a reload passed on while starting).
                self.app.early_hup = EarlyHup()
                signal.signal(signal.SIGHUP, self.app.early_hup)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.app.handle_sighup = True
                _die_with(self.parent)
                _run_worker(self.app, self.sock)
                status = 0
            finally:
                os._exit(status)
        self.children[pid] = time.monotonic()

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
                multiprocess.mark_process_dead(pid)
            if time.monotonic() - started < self.RESPAWN_BACKOFF:
                time.sleep(self.RESPAWN_BACKOFF)  # do not spin on a worker that cannot start
            self.spawn()
