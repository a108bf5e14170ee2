"""Integrations with other tools, each importable on its own with its extra installed:

* ``fastclient.contrib.locust``: Locust users whose client is a fastclient Client
  (``pip install fastclient[locust]``).
"""
