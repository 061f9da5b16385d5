"""``equanimity serve`` and ``equanimity models``."""

from __future__ import annotations

import os

import click


@click.command()
@click.option(
    "--model",
    "-m",
    default="smollm2",
    show_default=True,
    help="Embedded model name or a transformers folder.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--max-batch", default=16, show_default=True, type=int, help="Requests decoded together."
)
@click.option(
    "--api-key-env",
    default=None,
    help="Require 'Authorization: Bearer $VAR' using the key in this environment variable.",
)
def serve(model: str, host: str, port: int, max_batch: int, api_key_env: str | None) -> None:
    """Serve a local model over an OpenAI-compatible HTTP API."""
    from equanimity.backends.engine import get_engine
    from equanimity.backends.server import make_server

    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            raise click.ClickException(f"environment variable {api_key_env} is not set")
    engine = get_engine(model, max_batch=max_batch)
    srv = make_server(engine, host=host, port=port, model_name=model, api_key=api_key)
    h, p = srv.server_address[:2]
    click.echo(f"serving {model} at http://{h}:{p}/v1 (Ctrl-C to stop)", err=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


@click.command()
def models() -> None:
    """Embedded models and whether their weights are installed."""
    from equanimity.backends.embedded import EMBEDDED, gguf_path

    for m in EMBEDDED.values():
        try:
            where = str(gguf_path(m.name))
        except FileNotFoundError as e:
            where = f"not installed ({e})"
        click.echo(f"equanimity/{m.name}\n    {m.description}\n    {where}")
