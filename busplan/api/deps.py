"""Typed dependencies: what a route needs, taken from the app's lifespan state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from busplan.api.ws.manager import ConnectionManager
from busplan.jobs.service import JobService
from busplan.settings import Settings


def get_service(connection: HTTPConnection) -> JobService:
    service: JobService = connection.app.state.service
    return service


def get_manager(connection: HTTPConnection) -> ConnectionManager:
    manager: ConnectionManager = connection.app.state.manager
    return manager


def get_settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


ServiceDep = Annotated[JobService, Depends(get_service)]
ManagerDep = Annotated[ConnectionManager, Depends(get_manager)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
