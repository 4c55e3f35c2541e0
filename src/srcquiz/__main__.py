"""`python -m srcquiz`."""

from srcquiz.cli import main

raise SystemExit(main())
