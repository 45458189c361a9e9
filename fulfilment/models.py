from django.db import models  # noqa: F401  (orders come with the fulfilment issue)
