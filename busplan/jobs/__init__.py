"""Job lifecycle: submission, runners (local worker processes; Celery later), progress events."""
