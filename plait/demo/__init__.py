"""The main demo: ``python -m plait.demo`` runs the seeds' examples on every
scheduler with timings (see ``plait/demo/__main__.py``)."""
