"""The crawl's own Scrapy signals (sent with `crawler.signals.send_catch_log`, connected like Scrapy's)."""

from __future__ import annotations

# A spider linked its first article (sent once per spider, args: spider): there is analysis to come, so the
# storing pipeline starts its worker now, warm by the time the article is parsed (crawler/pipelines.py).
# A crawl whose lists link nothing new never sends it.
first_article_linked = object()
