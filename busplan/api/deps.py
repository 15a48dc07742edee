"""Typed dependencies: what a route needs, taken from the app's lifespan state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from busplan.api.ws.manager import ConnectionManager
from busplan.jobs.commands import JobCommands
from busplan.jobs.log import JobLog
from busplan.settings import ServiceSettings


def get_jobs(connection: HTTPConnection) -> JobCommands:
    jobs: JobCommands = connection.app.state.jobs
    return jobs


def get_log(connection: HTTPConnection) -> JobLog:
    jobs: JobCommands = connection.app.state.jobs
    return jobs.log


def get_manager(connection: HTTPConnection) -> ConnectionManager:
    manager: ConnectionManager = connection.app.state.manager
    return manager


def get_settings(connection: HTTPConnection) -> ServiceSettings:
    settings: ServiceSettings = connection.app.state.settings
    return settings


JobsDep = Annotated[JobCommands, Depends(get_jobs)]
LogDep = Annotated[JobLog, Depends(get_log)]
ManagerDep = Annotated[ConnectionManager, Depends(get_manager)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
