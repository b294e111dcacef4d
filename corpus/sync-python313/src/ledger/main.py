import click


@click.command()
def main() -> None:
    click.echo("done")
