import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

application = get_asgi_application()

# Oversize fine-tuning uploads are refused before Django reads their body.
from sandbox.finetuning.asgi import UploadSizeLimit  # noqa: E402

application = UploadSizeLimit(application)
