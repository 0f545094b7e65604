"""finmodel's web app: ``python app.py [--host H] [--port P] [--scenario FILE] [--workspace DIR]``.

The same as ``finmodel app``; binds to 127.0.0.1 unless told otherwise. See README
("The app").
"""

from __future__ import annotations

import sys

from finmodel.cli import main

if __name__ == "__main__":
    sys.exit(main(["app", *sys.argv[1:]]))
