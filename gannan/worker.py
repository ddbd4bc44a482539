"""The one entry module Celery workers and beat start from:

    celery -A gannan.worker worker --loglevel=info
"""

from gannan import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
