from retrogait.cli import main

raise SystemExit(main())
