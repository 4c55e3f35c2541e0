"""`python -m srcquiz`."""

from srcquiz.cli.parser import main

raise SystemExit(main())
