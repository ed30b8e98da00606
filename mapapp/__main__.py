"""`python -m mapapp` runs the `mapapp` command."""

from mapapp.cli import main

main()
