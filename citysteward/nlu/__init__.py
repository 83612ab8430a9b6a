"""The NLU parse contract (`citysteward nlu parse`). Modules here that the Rasa venv runs
(contract, worker) use the standard library and Rasa only."""
