"""``watchfloor`` command line (DESIGN.md, "Command line")."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import __version__

if TYPE_CHECKING:
    from desktop.clientconfig import ClientConfig
    from desktop.layout import WallLayout
    from hub.domain.calendar import WorkingCalendar

EXIT_BAD_ARGS = 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=["zh_CN", "en"], default="zh_CN", help="UI language")
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PATH",
        help="render, save every window (PATH.png: one file; else a folder), exit",
    )
    parser.add_argument(
        "--after",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds to wait before --screenshot (default 10)",
    )
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")


def _ca_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ca",
        type=Path,
        metavar="FILE",
        help="CA bundle (PEM) to trust for a wss:// hub (default: the system's)",
    )


def _trust(ca: Path | None) -> None:
    """Make ``--ca`` the trust of every wss:// connection; exit 2 naming an unusable file."""
    if ca is None:
        return
    import ssl

    from backend_client.transport import trust_ca

    try:
        trust_ca(ca)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ConfigError(f"--ca {ca}: cannot be used as a CA bundle ({reason})") from None


def _positive_port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0..65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchfloor",
        description="婺城区综合行政执法指挥平台 · Watchfloor command-center walls and workstations",
    )
    parser.add_argument("--version", action="version", version=f"watchfloor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="embedded hub + Wucheng simulator + the wall, no set-up")
    _common(demo)
    demo.add_argument(
        "--layout", type=Path, help="wall layout: a file, or a NAME in layouts/ (see install.md)"
    )
    # None: take it from the config file, else zh_CN (a flag always wins over the file).
    demo.set_defaults(lang=None)
    demo.add_argument("--officers", type=int, default=60, help="simulated officers (default 60)")
    demo.add_argument(
        "--vehicles", type=int, help="simulated vehicles (default: 114 per 300 officers)"
    )
    demo.add_argument("--db", help="SQLAlchemy URL (default: a SQLite file in the user data dir)")
    demo.add_argument(
        "--keep",
        action="store_true",
        help="carry on with the last demo's store (default: a fresh one, 90 days of history)",
    )
    demo.add_argument(
        "--seed", type=int, help="the simulator's seed (default: from the clock, new each run)"
    )
    demo.add_argument("--windowed", action="store_true", help="windows instead of fullscreen")
    demo.add_argument(
        "--calendar",
        type=Path,
        metavar="FILE",
        help="working calendar of the embedded hub (default: the shipped one)",
    )

    hub = sub.add_parser("hub", help="run the feed hub")
    _common(hub)
    hub.add_argument("--db", default="sqlite:///watchfloor-hub.db", help="SQLAlchemy URL")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=_positive_port, default=8765)
    hub.add_argument("--api-port", type=_positive_port, default=8766)
    hub.add_argument(
        "--jt808-port",
        type=_positive_port,
        metavar="PORT",
        help="also run the JT/T 808 device gateway (TCP) on --host at PORT (default: off)",
    )
    hub.add_argument("--simulate", action="store_true", help="run the Wucheng simulator")
    hub.add_argument("--officers", type=int, default=300, help="simulated officers")
    hub.add_argument(
        "--vehicles", type=int, help="simulated vehicles (default: 114 per 300 officers)"
    )
    hub.add_argument("--auth", type=Path, help="auth file (TOML, [[token]] tables)")
    hub.add_argument(
        "--node", default="", help="this hub's name in welcomes and health (default HOST:PORT)"
    )
    hub.add_argument(
        "--nats",
        default="",
        metavar="URL[,URL…]",
        help="cluster mode: the NATS servers of the event log (needs a PostgreSQL --db; "
        "see docs/cluster.md)",
    )
    hub.add_argument(
        "--tls-cert", type=Path, metavar="FILE", help="PEM certificate (chain): serve wss/https"
    )
    hub.add_argument("--tls-key", type=Path, metavar="FILE", help="PEM private key of --tls-cert")
    hub.add_argument(
        "--calendar",
        type=Path,
        metavar="FILE",
        help="working calendar (TOML: hours, holidays, make-up days) the 处置时限 deadlines"
        " count on (default: the shipped one; docs/casework.md)",
    )

    wall = sub.add_parser("wall", help="run a wall")
    _common(wall)
    # --hub/--token may come from [wall] of the config file instead (install.md, 6).
    wall.add_argument(
        "--hub", help="ws://HOST:PORT (the /stream path is added); several: a,b,c (a cluster)"
    )
    wall.add_argument("--token")
    _ca_option(wall)
    wall.add_argument(
        "--layout", type=Path, help="wall layout: a file, or a NAME in layouts/ (see install.md)"
    )
    wall.add_argument("--windowed", action="store_true", help="windows instead of fullscreen")
    wall.set_defaults(lang=None)

    desk = sub.add_parser("desk", help="operator / supervisor workstation")
    _common(desk)
    desk.add_argument("--hub")
    desk.add_argument("--token")
    _ca_option(desk)
    desk.set_defaults(lang=None)
    desk.add_argument(
        "--reset-layout", action="store_true", help="forget the saved dock arrangement"
    )

    tail = sub.add_parser("tail", help="print every event as one JSON line")
    tail.add_argument("--hub", required=True)
    tail.add_argument("--token", required=True)
    tail.add_argument("--since", type=int, help="resume after this seq")
    tail.add_argument("--count", type=int, help="exit after this many events")
    tail.add_argument("--log-level", default="WARNING")
    _ca_option(tail)

    # --- installers' on-site check (desktop/check.py) ---
    from desktop.check import add_check_arguments

    check = sub.add_parser("check", help="what a wall needs here: screens, hub, GPU, fonts, layout")
    add_check_arguments(check)

    # --- spoken announcements: an installer tests the speakers (desktop/speech/speak.py) ---
    from desktop.speech.speak import add_speak_arguments

    speak = sub.add_parser("speak", help="say TEXT in the wall's voice (or --out FILE.wav)")
    add_speak_arguments(speak)
    speak.add_argument("--lang", choices=["zh_CN", "en"], default=None, help="voice language")
    speak.add_argument("--config", type=Path, help="configuration file (TOML)")
    speak.add_argument("--log-level", default="WARNING")

    # --- the case register to CSV/XLSX, resumable (desktop/export.py) ---
    from desktop.export import add_export_arguments

    export = sub.add_parser("export", help="the cases of a period to CSV or XLSX (supervisor)")
    add_export_arguments(export)
    _ca_option(export)
    return parser


def stream_url(hub: str) -> str:
    """``--hub`` as stream URLs: ``HOST:PORT`` or ``ws[s]://…``, or several of them
    separated by commas (a cluster's nodes, tried in turn), each given ``/stream``."""
    from backend_client.transport import hub_urls

    urls = []
    for part in hub_urls(hub):
        url = part.rstrip("/")
        if not url.startswith(("ws://", "wss://")):
            url = "ws://" + url
        urls.append(url if url.endswith("/stream") else url + "/stream")
    return ",".join(urls)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # --- packaging: rotating log file in the per-OS log folder, bundled CJK font ---
    from desktop.fonts import prepare_bundled_fonts
    from desktop.logsetup import setup_logging

    setup_logging(args.log_level, args.command)
    prepare_bundled_fonts()  # before any QApplication (see desktop/fonts.py)
    try:
        if args.command == "check":
            from desktop.check import run_check

            return run_check(args)
        if args.command == "demo":
            from desktop.demo import run_demo

            # The layout is checked before the embedded hub starts: a typo exits 2 at once.
            # The demo runs its own hub: only layout and language come from the config.
            config = _client_config(args, "wall")
            args.lang = args.lang or config.lang or "zh_CN"
            args.wall_layout = _wall_layout(args.layout, config.layout)
            args.working_calendar = _calendar(args.calendar)  # a bad file exits 2 too
            return run_demo(args)
        if args.command == "speak":
            from desktop.speech.speak import run_speak

            # The wall's own voice: the layout it would run, and the language it would show.
            config = _client_config(args, "wall")
            args.lang = args.lang or config.lang or "zh_CN"
            return run_speak(args, _wall_layout(args.layout, config.layout).speech)
        if args.command == "hub":
            return _run_hub(args)
        if args.command == "export":
            from desktop.export import run_export

            _trust(args.ca)
            return asyncio.run(run_export(args, stream_url(args.hub)))
        if args.command in ("wall", "desk", "tail"):
            _trust(args.ca)
        if args.command == "wall":
            from desktop.gui import WallOptions, run_wall

            config = _client_config(args, "wall")
            hub_url, token = _hub_and_token(args, config)
            layout = _wall_layout(args.layout, config.layout)
            return run_wall(
                WallOptions(
                    hub_url=stream_url(hub_url),
                    token=token,
                    screenshot=args.screenshot,
                    after=args.after,
                    windowed=args.windowed or bool(config.windowed),
                    layout=layout,
                    lang=args.lang or config.lang or "zh_CN",
                )
            )
        if args.command == "tail":
            from desktop.tail import run_tail

            return asyncio.run(run_tail(stream_url(args.hub), args.token, args.since, args.count))
        if args.command == "desk":
            from desktop.desk import DeskOptions, run_desk

            config = _client_config(args, "desk")
            hub_url, token = _hub_and_token(args, config)
            return run_desk(
                DeskOptions(
                    hub_url=stream_url(hub_url),
                    token=token,
                    screenshot=args.screenshot,
                    after=args.after,
                    lang=args.lang or config.lang or "zh_CN",
                    reset_layout=args.reset_layout,
                )
            )
    except ConfigError as exc:
        print(f"watchfloor: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_ARGS


class ConfigError(Exception):
    """Bad arguments or configuration; the message names the file, line and field."""


def _client_config(args: argparse.Namespace, section: str) -> ClientConfig:
    """``[section]`` of ``--config FILE`` or of the first ``watchfloor.toml`` found."""
    from backend_client.config import ConfigError as FileError
    from desktop.clientconfig import load_client_config
    from desktop.logsetup import find_config

    try:
        return load_client_config(find_config(args.config), section)
    except FileError as exc:
        raise ConfigError(str(exc)) from None


def _hub_and_token(args: argparse.Namespace, config: ClientConfig) -> tuple[str, str]:
    hub_url = args.hub or config.hub
    token = args.token or config.token
    where = f" or in [{args.command}] of {config.path}" if config.path else " or a config file"
    if not hub_url:
        raise ConfigError(f"no hub: give --hub ws://HOST:PORT{where}")
    if not token:
        raise ConfigError(f"no token: give --token, or token_file{where}")
    return hub_url, token


def _wall_layout(flag: Path | None, configured: Path | None) -> WallLayout:
    from desktop.layout import LayoutError, load_layout, resolve_layout

    try:
        return load_layout(
            resolve_layout(flag) if flag is not None else configured or resolve_layout(None)
        )
    except LayoutError as exc:
        raise ConfigError(str(exc)) from None


def _calendar(path: Path | None) -> WorkingCalendar | None:
    """The working calendar of --calendar FILE (None: the shipped one); a bad file exits
    2 naming its line and field, as the other config files do."""
    if path is None:
        return None
    from backend_client.config import ConfigError as FileError
    from hub.domain.calendar import load_calendar

    try:
        return load_calendar(path)
    except (FileError, OSError) as exc:
        raise ConfigError(f"--calendar {path}: {exc}") from None


def _run_hub(args: argparse.Namespace) -> int:
    from hub.auth import AuthFileError, TokenRegistry
    from hub.runtime import HubRuntime, TlsFileError, serve_forever, tls_context
    from hub.service import HubConfig

    tls = None
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("give both --tls-cert FILE and --tls-key FILE, or neither")
    if args.tls_cert is not None:
        # Before anything starts: a bad file exits 2 at once, naming it.
        try:
            tls = tls_context(args.tls_cert, args.tls_key)
        except TlsFileError as exc:
            raise ConfigError(str(exc)) from None
    if args.auth is None:
        if not _is_loopback(args.host):
            raise ConfigError(f"--host {args.host} is beyond loopback: give --auth FILE")
        tokens, values = TokenRegistry.generate()
        for role, value in values.items():
            print(f"token {role}: {value}", file=sys.stderr)
    else:
        try:
            tokens = TokenRegistry.load(args.auth)
        except AuthFileError as exc:  # names file, line and field (hub/auth.py)
            raise ConfigError(str(exc)) from None
    extras = []
    if args.simulate:
        from hub.simdriver import simulator_extra

        extras.append(simulator_extra(officers=args.officers, vehicles=args.vehicles))
    nats = tuple(url.strip() for url in args.nats.split(",") if url.strip())
    if nats and not args.db.startswith("postgresql"):
        raise ConfigError("--nats (cluster mode) needs a PostgreSQL --db: postgresql+psycopg://…")
    calendar = _calendar(args.calendar)
    config = HubConfig(
        db_url=args.db,
        host=args.host,
        port=args.port,
        api_port=args.api_port,
        jt808_port=args.jt808_port,
        auth_file=args.auth,
        node=args.node,
        nats=nats,
        manage_gc=True,
        calendar=calendar,
    )
    # In a cluster every node starts so: the first to take the writer lock writes, the
    # others stand by and take over when it dies (docs/cluster.md).
    asyncio.run(serve_forever(HubRuntime(config, tokens, extras, tls=tls)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
