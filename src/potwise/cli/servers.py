"""The long-running commands: `serve`, `worker`, `demo` and `sandbox`."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Annotated

import typer

from potwise.cli import startup
from potwise.cli.app import Failure, app, console
from potwise.runtime import settle_heap

if TYPE_CHECKING:
    from potwise.demo import RunningDemo, Server
    from potwise.settings import Settings


def _run_web(settings: Settings, host: str, port: int, *, with_scheduler: bool) -> None:
    import uvicorn

    from potwise.jobs.background import beside_web
    from potwise.jobs.wiring import rule_dispatch
    from potwise.services.automations import executor
    from potwise.web.app import create_app
    from potwise.web.serving import uvicorn_options

    # On PostgreSQL the rules a webhook or a sync touches become queue jobs.
    web = create_app(settings, dispatch=rule_dispatch(settings))
    # Money moves left open by a crash or a lost answer are finished first, exactly once.
    executor.reconcile(web.state.connections)
    scheduler = beside_web(web.state.connections) if with_scheduler else None
    settle_heap()
    if scheduler is not None:
        scheduler.start()
    try:
        uvicorn.run(web, host=host, port=port, **uvicorn_options(settings))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@app.command(short_help="Apply migrations, then run the web app (and the scheduler).")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the scheduled jobs in this process too (the default). Use "
            "--no-scheduler for web replicas beside one `potwise worker`: a deployment "
            "should run exactly one scheduler.",
        ),
    ] = True,
) -> None:
    """Apply migrations, then run the web app and, unless --no-scheduler, the scheduler.

    A deployment runs exactly one scheduler: either one `potwise serve`, or any number
    of `potwise serve --no-scheduler` beside one `potwise worker`."""
    settings = startup.load()
    startup.migrate(settings)
    _run_web(settings, host, port, with_scheduler=scheduler)


@app.command(short_help="Run the scheduled jobs only (no web server).")
def worker() -> None:
    """Apply migrations, then run the scheduled jobs only: syncs, rules, mail and
    housekeeping. On SQLite this is the scheduler: run exactly one, beside web
    processes started with `potwise serve --no-scheduler`. On PostgreSQL it is a
    queue worker: run as many as wanted, on any machines."""
    from potwise.jobs.background import run_alone
    from potwise.jobs.wiring import worker_context
    from potwise.services.automations import executor

    settings = startup.load()
    startup.migrate(settings)
    ctx = worker_context(settings)
    executor.reconcile(ctx)
    settle_heap()
    console.print("potwise worker running; Ctrl+C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        run_alone(ctx)


@app.command(short_help="Run the bank sandbox and the app together, with a demo user.")
def demo(
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(help="Port for the bank sandbox.")] = 8765,
    years: Annotated[int, typer.Option(min=1, max=10, help="Years of sandbox history.")] = 1,
    fast_forward: Annotated[
        str | None,
        typer.Option(
            "--fast-forward",
            help="Play this much household life at once (e.g. 30d, 12h, 2w) with the app "
            "following the sandbox's clock, then keep running.",
        ),
    ] = None,
) -> None:
    """Run the bank sandbox and the app together, with a demo user connected to sandbox
    Monzo, American Express and Barclaycard through the real OAuth flows."""
    from potwise import demo as demo_setup
    from potwise import demo_life
    from potwise.jobs.scheduler import build_scheduler

    try:
        days = demo_life.parse_span(fast_forward) if fast_forward is not None else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--fast-forward") from None

    for taken in (port, sandbox_port):
        if not demo_setup.port_is_free(taken):
            raise Failure(f"port {taken} is in use; pick another with --port / --sandbox-port")
    # An earlier demo's file is not read: this demo writes its own.
    settings = demo_setup.demo_settings(
        startup.load(demo=False), port=port, sandbox_port=sandbox_port
    )
    startup.migrate(settings)
    running = demo_setup.start(
        settings, port=port, sandbox_port=sandbox_port, years=years, say=console.print
    )
    try:
        # Start-up is done: where to go and how to sign in come last, above the logs
        # of what runs from now on (the scheduler's first cycle among them).
        _print_demo(running)
        # A short tick: with --fast-forward the clock moves half a day a second.
        scheduler = build_scheduler(running.web.state.connections, blocking=False, tick=0.02)
        scheduler.start()
        try:
            if days is not None:
                played = demo_life.fast_forward(running.sandbox_url, days, console.print)
                console.print(
                    f"played to {played['life'].get('now', '')[:16]}: {played['moves']} pot "
                    f"moves, {played['requests']} bank requests; see the dashboard, the rule's "
                    f"history and {running.sandbox_url}/_sandbox/requests?by=day"
                )
            _run_until_stopped(running.servers[-1])
        finally:
            scheduler.shutdown(wait=False)
    finally:
        running.stop()


def _print_demo(running: RunningDemo) -> None:
    """Where the demo runs, how to sign in, and what it connected."""
    from potwise import demo as demo_setup

    app_url, rule = running.app_url, running.rule
    console.print(f"  connected: {', '.join(c['display_name'] for c in running.connected)}")
    if rule is not None:
        console.print(f"  credit-card pot rule: {rule['first_run']['explanation']}")
    console.print(f"  bank sandbox control page: {running.sandbox_url}/_sandbox")
    console.print(f"  API docs: {app_url}/api/docs")
    if running.env_file is not None:
        console.print(
            f"  from a second terminal, potwise commands run in this directory use this demo "
            f"({running.env_file})"
        )
    console.print(f"\n[bold]potwise demo[/bold] is running at [link={app_url}]{app_url}[/link]")
    console.print(
        f"  sign in as [bold]{demo_setup.DEMO_EMAIL}[/bold] "
        f"with password [bold]{demo_setup.DEMO_PASSWORD}[/bold]"
    )
    console.print("  press Ctrl+C to stop\n")


def _run_until_stopped(web_server: Server) -> None:
    """Wait for Ctrl+C (or the web server ending)."""
    import threading

    stop = threading.Event()
    with contextlib.suppress(KeyboardInterrupt):
        while web_server.thread.is_alive() and not stop.wait(1):
            pass


@app.command(short_help="Run the bank sandbox alone: Monzo and TrueLayer simulators.")
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated households.")] = 1,
    years: Annotated[int, typer.Option(min=1, max=20, help="Years of history.")] = 1,
    users: Annotated[int, typer.Option(min=1, help="Households to create.")] = 1,
) -> None:
    """Run the bank sandbox alone: Monzo and TrueLayer simulators with a control page."""
    from potwise.logs import configure_logging
    from potwise.sandbox.server import serve as serve_sandbox

    configure_logging(production=False)
    console.print(
        f"bank sandbox at http://{host}:{port}/_sandbox "
        f"(Monzo: /monzo/auth, /monzo/api; TrueLayer: /truelayer/auth, /truelayer/api)"
    )
    serve_sandbox(host=host, port=port, seed=seed, years=years, users=users)
