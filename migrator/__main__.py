"""`python -m migrator`: the same as the `migrate` command."""

from migrator.cli import main

if __name__ == "__main__":
    main()
