"""Inspect AI entry point: registers the ``equanimity/`` model provider and the tasks.

Inspect imports this module (via ``[project.entry-points.inspect_ai]``) when it meets a
name it does not know, so ``inspect eval equanimity/rejection_loop --model equanimity/smollm2``
works without user imports. Keep it to imports: it runs inside Inspect's start-up.
"""

from equanimity.backends.provider import EquanimityModelAPI
from equanimity.rollouts.task import rejection_loop

__all__ = ["EquanimityModelAPI", "rejection_loop"]
