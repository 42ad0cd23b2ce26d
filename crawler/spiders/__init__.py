"""One spider per source (crawler/sources.py): cqrb, sc_gov, sc_fgw, cq_gov."""
