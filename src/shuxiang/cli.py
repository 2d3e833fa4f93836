"""The `shuxiang` command.

Each subcommand is a Django management command in one of Shuxiang's apps (so it runs
with the same settings and services as the web); this module only lists them and
dispatches. `shuxiang help --django` shows Django's own commands too (migrate, shell ...).
"""

from __future__ import annotations

import os
import sys


def _our_commands() -> dict[str, str]:
    from django.core.management import get_commands, load_command_class

    commands = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("shuxiang.") and name != "flush":
            command = load_command_class(app, name)
            commands[name] = (command.help or "").strip().splitlines()[0] if command.help else ""
    return commands


def _print_help() -> None:
    print("usage: shuxiang COMMAND [options]     (shuxiang COMMAND --help for its options)\n")
    print("Shuxiang (书香) school library management.\n\ncommands:")
    commands = _our_commands()
    width = max(len(n) for n in commands) + 2
    for name, text in commands.items():
        print(f"  {name.ljust(width)}{text}")
    print("\n  help --django  also list Django's own commands (migrate, shell, dbshell, ...)")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    args = argv[1:]
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        _print_help()
        return
    if args[:2] == ["help", "--django"]:
        argv = [argv[0], "help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(
        ["shuxiang", *argv[1:]] if argv[1:] != ["help"] else ["shuxiang", "help"]
    )


if __name__ == "__main__":
    main()
