"""Run the `crm` command as `python -m crm`."""

from crm.cli import main

raise SystemExit(main())
