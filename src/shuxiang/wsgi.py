"""The WSGI application, for waitress (`shuxiang serve`) or gunicorn in a district."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
application = get_wsgi_application()
