"""The ``equanimity`` command line: a thin layer over the stage packages.

Each stage owns its own subcommands (``equanimity.<stage>.cli``); this module only wires
them together, so adding a stage never means editing another stage's code.
"""

from __future__ import annotations

import importlib

import click

from equanimity import __version__

#: (module, attribute) of each stage's click command or group, added lazily so that a
#: stage's heavy imports (torch, matplotlib) are paid only when its command runs.
_STAGE_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("equanimity.rollouts.cli", "run"),
    "scenarios": ("equanimity.scenarios.cli", "scenarios"),
    "serve": ("equanimity.backends.cli", "serve"),
    "models": ("equanimity.backends.cli", "models"),
    "judge": ("equanimity.judges.cli", "judge"),
    "analyze": ("equanimity.analysis.cli", "analyze"),
    "report": ("equanimity.report.cli", "report"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_STAGE_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _STAGE_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(target[0])
        return getattr(module, target[1])


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="equanimity")
def main() -> None:
    """Repeated-rejection evaluations: elicit, measure, understand, mitigate."""


if __name__ == "__main__":  # pragma: no cover
    main()
