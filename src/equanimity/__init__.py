"""equanimity: does a language model fall apart when it keeps being told it is wrong?

The pipeline, one subpackage per stage (see ``docs/architecture.md``)::

    scenarios -> rollouts (via backends) -> judges -> analysis -> report

The shared records (turns, judgments, run directory layout) live in
:mod:`equanimity.records`; the command line in :mod:`equanimity.cli`.
"""

__version__ = "0.1.0"
