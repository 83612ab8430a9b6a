"""Custom actions for the Rasa action server (`rasa run actions`), Python 3.10 venv.

Importing the package (the action server does, at start-up) starts the background retry of
reports waiting in the pending-reports queue (actions/pending_reports.py); set
ACTIONS_RETRY_SECONDS=0 to run without it, as the action tests do.
"""

from actions.pending_reports import start_retry_worker

start_retry_worker()
