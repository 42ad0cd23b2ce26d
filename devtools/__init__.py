"""Tools for development, tests and offline demos; installed with the project, never imported by its stages.

`mirror`: a local copy of the sites (`cywatch mirror`, `make demo`, the tests) and the Scrapy download
handler that crawls it, which crawler/deployment.py installs only when a mirror is configured.
"""
