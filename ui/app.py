"""The app's web surface: middleware, the health route and every page."""

from __future__ import annotations

from functools import partial

from nicegui import app, core, ui

from ui import (
    batches_page,
    business_page,
    contacts_page,
    documents_page,
    emails_page,
    language,
    oauth_callback,
    reminders_page,
    settings_page,
    templates_page,
)
from ui.host_guard import HostGuard, allowed_host_names, origin_allowed
from ui.language import LanguageMiddleware, page
from ui.login import LoginGate, LoginThrottle
from ui.services import Services


def build_app(
    services: Services, *, served_host: str, require_login: bool = False, throttle: LoginThrottle | None = None
) -> None:
    """Everything the web server answers, for main.py and for the tests alike."""
    allowed = allowed_host_names(served_host)
    if require_login:
        app.add_middleware(LoginGate, verify=services.folder.web_password.verify, throttle=throttle)
    app.add_middleware(LanguageMiddleware, chosen=services.folder.preferences.language)
    app.add_middleware(HostGuard, allowed=allowed)  # added last, so it runs first
    # socket.io's own check (it would echo any Origin back with credentials): the guard's rule, as a second wall.
    core.sio.eio.cors_allowed_origins = partial(_socket_origin_allowed, allowed=allowed)
    app.add_api_route('/status', status, methods=['GET'])
    app.on_startup(services.outbox.start)  # resumes queued emails, then retries on schedule
    app.on_shutdown(services.outbox.stop)
    app.on_startup(services.reminders.start)  # catches up after the app was off, then looks again every few minutes
    app.on_shutdown(services.reminders.stop)
    register_pages(services)


def _socket_origin_allowed(origin: str | None, environ: dict[str, str], *, allowed: frozenset[str]) -> bool:
    return origin_allowed(origin, environ.get('HTTP_HOST', ''), allowed)


async def status() -> dict[str, str]:
    return {'status': 'ok'}


def register_pages(services: Services) -> None:
    @page('/')
    def home() -> None:
        """Straight to the settings until email works; then to the documents it is for."""
        ui.navigate.to('/documents' if services.folder.settings.is_saved() else '/settings')

    language.register(choose=services.folder.preferences.choose_language)
    settings_page.register(services)
    oauth_callback.register(services.signins)
    templates_page.register(services)
    emails_page.register(services)
    reminders_page.register(services)
    documents_page.register(services)
    contacts_page.register(services)
    business_page.register(services)
    batches_page.register(services)
