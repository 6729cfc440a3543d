"""Entry point: flask --app app …, gunicorn app:app"""

from forum import create_app

app = create_app()
