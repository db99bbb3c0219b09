"""Run the benchmark: `python -m scripts.lib.bench [options]` from the repository root
(scripts/bench does, with production-like settings). `--help` lists the options."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "westcheck.settings")
django.setup()

from scripts.lib.bench.command import Command  # noqa: E402  (needs the apps loaded)

Command().run_from_argv(["scripts/bench", "bench", *sys.argv[1:]])
