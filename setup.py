# Everything is in pyproject.toml. This file exists for `scrapyd-deploy --build-egg` (scrapyd-client), which runs
# `setup.py bdist_egg` and would otherwise write a setup.py of its own that knows no package data.
from setuptools import setup

setup()
