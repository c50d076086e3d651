"""Serve the teaching demo (:func:`sim.app.Page`) with Solara's server, offline.

Solara's front end (Vue, Vuetify, fonts, RequireJS) normally comes from a CDN through Solara's
asset proxy. The ``solara-assets`` package, pinned to Solara's exact version, installs those
files into the proxy's cache folder (``<venv>/share/solara/cdn``), so the page is served
entirely from this machine. Solara's settings are read from the environment when its server
modules are first imported, so this module sets them before importing anything of Solara:
production mode (no dev-mode version check in the page), telemetry off, light theme, no
banner over the page.
"""

from __future__ import annotations

import os
import warnings

#: The environment variable that tells the page its first scenario (read by sim.app).
SCENARIO_ENV = "ESCALATION_DEMO_SCENARIO"

SOLARA_ENV = {
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_VARIANT": "light",
    "SOLARA_THEME_SHOW_BANNER": "False",
}


def serve(host: str, port: int, scenario: str) -> None:
    """Run the page's server until interrupted."""
    os.environ[SCENARIO_ENV] = scenario
    os.environ["SOLARA_APP"] = "sim.app:Page"
    for key, value in SOLARA_ENV.items():
        os.environ.setdefault(key, value)
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    # Solara warns, on every page served over plain http to a host other than "localhost",
    # that it falls back to SameSite=Lax cookies; that is right for a page not in an iframe.
    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )
    import uvicorn

    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
