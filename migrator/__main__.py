"""`python -m migrator`: the same as the `migrate` command."""

from migrator.console import main

if __name__ == "__main__":
    main()
