"""``python -m backoffice …`` = ``clerk backoffice …``."""
from backoffice.cli import main

raise SystemExit(main())
