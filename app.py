"""finmodel's web app: ``python app.py [--host H] [--port P] [--scenario FILE]``.

Binds to 127.0.0.1 unless told otherwise. See README ("The app").
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description="finmodel web app for regional bank planners")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--scenario", default="dormant_deposit_fund.yaml",
                        help="shipped scenario to open first")
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (development)")
    args = parser.parse_args()
    from finmodel.ui.app_factory import create_app

    app = create_app(default=args.scenario)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
