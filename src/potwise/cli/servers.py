"""The long-running commands: `serve`, `worker`, `demo` and `sandbox`."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Annotated, Any

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, app, console
from potwise.domain.errors import DomainError
from potwise.logs import configure_logging
from potwise.runtime import settle_heap
from potwise.settings import Settings

if TYPE_CHECKING:
    from potwise.demo import Server
    from potwise.jobs.timing import Scheduler


def _run_web(settings: Settings, host: str, port: int, *, with_scheduler: bool) -> None:
    import uvicorn

    from potwise.jobs.scheduler import build_scheduler
    from potwise.services.automations import executor
    from potwise.web.app import create_app
    from potwise.web.serving import UVICORN_OPTIONS

    web = create_app(settings)
    # Money moves left open by a crash or a lost answer are finished first, exactly once.
    executor.reconcile(web.state.connections)
    scheduler = build_scheduler(web.state.connections, blocking=False) if with_scheduler else None
    settle_heap()
    if scheduler is not None:
        scheduler.start()
    try:
        uvicorn.run(web, host=host, port=port, **UVICORN_OPTIONS)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Apply migrations, then run the web app and the scheduler."""
    settings = startup.load()
    startup.migrate(settings)
    _run_web(settings, host, port, with_scheduler=True)


@app.command()
def worker() -> None:
    """Run the scheduled jobs only (for deployments with separate web processes)."""
    from potwise.jobs.scheduler import build_scheduler
    from potwise.jobs.wiring import worker_context
    from potwise.services.automations import executor

    settings = startup.load()
    startup.migrate(settings)
    ctx = worker_context(settings)
    executor.reconcile(ctx)
    scheduler = build_scheduler(ctx, blocking=True)
    settle_heap()
    console.print("potwise worker running; Ctrl+C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(help="Port for the bank sandbox.")] = 8765,
    years: Annotated[int, typer.Option(min=1, max=10, help="Years of sandbox history.")] = 1,
) -> None:
    """Run the bank sandbox and the app together, with a demo user connected to sandbox
    Monzo, American Express and Barclaycard through the real OAuth flows."""
    from potwise import demo as demo_setup
    from potwise.jobs.scheduler import build_scheduler
    from potwise.sandbox.app import create_sandbox_app
    from potwise.web.app import create_app

    for taken in (port, sandbox_port):
        if not demo_setup.port_is_free(taken):
            raise Failure(f"port {taken} is in use; pick another with --port / --sandbox-port")
    settings = demo_setup.demo_settings(startup.load(), port=port, sandbox_port=sandbox_port)
    startup.migrate(settings)
    console.print(f"starting the bank sandbox ({years} year(s) of history) and the app...")
    sandbox_server = demo_setup.start_server(create_sandbox_app(years=years), sandbox_port)
    web = create_app(settings)
    web_server = demo_setup.start_server(web, port)
    app_url = f"http://127.0.0.1:{port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    try:
        demo_setup.prepare(settings, web.state.session_factory, web.state.connections)
        console.print("connecting Monzo, American Express and Barclaycard (real OAuth flows)...")
        connected, rule = demo_setup.connect_everything(app_url, sandbox_url)
    except (demo_setup.DemoError, DomainError):
        web_server.stop()
        sandbox_server.stop()
        raise
    scheduler = build_scheduler(web.state.connections, blocking=False)
    scheduler.start()
    _print_demo(app_url, sandbox_url, connected, rule)
    _run_until_stopped(web_server, sandbox_server, scheduler)


def _print_demo(
    app_url: str, sandbox_url: str, connected: list[dict[str, Any]], rule: dict[str, Any] | None
) -> None:
    """Where the demo runs, how to sign in, and what it connected."""
    from potwise import demo as demo_setup

    console.print(f"\n[bold]potwise demo[/bold] is running at [link={app_url}]{app_url}[/link]")
    console.print(
        f"  sign in as [bold]{demo_setup.DEMO_EMAIL}[/bold] "
        f"with password [bold]{demo_setup.DEMO_PASSWORD}[/bold]"
    )
    console.print(f"  connected: {', '.join(c['display_name'] for c in connected)}")
    if rule is not None:
        console.print(f"  credit-card pot rule: {rule['first_run']['explanation']}")
    console.print(f"  bank sandbox control page: {sandbox_url}/_sandbox")
    console.print(f"  API docs: {app_url}/api/docs")
    console.print("  press Ctrl+C to stop\n")


def _run_until_stopped(web_server: Server, sandbox_server: Server, scheduler: Scheduler) -> None:
    """Wait for Ctrl+C (or the web server ending), then stop everything."""
    import threading

    stop = threading.Event()
    try:
        while web_server.thread.is_alive() and not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        web_server.stop()
        sandbox_server.stop()


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated households.")] = 1,
    years: Annotated[int, typer.Option(min=1, max=20, help="Years of history.")] = 1,
    users: Annotated[int, typer.Option(min=1, help="Households to create.")] = 1,
) -> None:
    """Run the bank sandbox alone: Monzo and TrueLayer simulators with a control page."""
    from potwise.sandbox.server import serve as serve_sandbox

    configure_logging(production=False)
    console.print(
        f"bank sandbox at http://{host}:{port}/_sandbox "
        f"(Monzo: /monzo/auth, /monzo/api; TrueLayer: /truelayer/auth, /truelayer/api)"
    )
    serve_sandbox(host=host, port=port, seed=seed, years=years, users=users)
