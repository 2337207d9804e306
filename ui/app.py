"""The app's web surface: middleware, the health route and every page."""

from __future__ import annotations

from nicegui import app, ui

from ui import business_page, contacts_page, documents_page, emails_page, settings_page, templates_page
from ui.host_guard import HostGuard, allowed_host_names
from ui.services import Services


def build_app(services: Services, *, served_host: str) -> None:
    """Everything the web server answers, for main.py and for the tests alike."""
    app.add_middleware(HostGuard, allowed=allowed_host_names(served_host))
    app.add_api_route('/status', status, methods=['GET'])
    app.on_startup(services.outbox.start)  # resumes queued emails, then retries on schedule
    app.on_shutdown(services.outbox.stop)
    register_pages(services)


async def status() -> dict[str, str]:
    return {'status': 'ok'}


def register_pages(services: Services) -> None:
    @ui.page('/')
    def home() -> None:
        """Straight to the settings until email works; then to the documents it is for."""
        ui.navigate.to('/documents' if services.folder.settings.is_saved() else '/settings')

    settings_page.register(services)
    templates_page.register(services)
    emails_page.register(services)
    documents_page.register(services)
    contacts_page.register(services)
    business_page.register(services)
