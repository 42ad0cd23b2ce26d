"""Scrapy settings of chengyu-watch: every fixed crawler knob in one module, as in Scrapy projects.

What the deployment sets (README.md, Configuration: CYWATCH_USER_AGENT, CYWATCH_CONTACT_URL,
CYWATCH_DOWNLOAD_TIMEOUT, CYWATCH_LOG_LEVEL, CYWATCH_PROGRESS_INTERVAL, CYWATCH_MIRROR) is laid over these
from the settings object, by crawler/deployment.py; this module reads no environment.
"""

BOT_NAME = "chengyu-watch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are: an identifying User-Agent with a contact URL (CYWATCH_USER_AGENT, CYWATCH_CONTACT_URL).
USER_AGENT = "chengyu-watch/0.1 (+https://github.com/chengyu-watch/chengyu-watch)"

# Politeness: robots.txt, one or two requests at a time per site, AutoThrottle, back-off on errors.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Failures: time out, retry 5xx and timeouts with growing pauses, cap what one page may weigh.
DOWNLOAD_TIMEOUT = 30  # CYWATCH_DOWNLOAD_TIMEOUT
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
CYWATCH_ATTACHMENT_MAXSIZE = 5 * 1024 * 1024  # an attachment larger than this is recorded as failed, not read

# At most CONCURRENT_REQUESTS_PER_DOMAIN requests in flight per site, in every mode (crawler/politeness.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.politeness.PoliteDownloadHandler",
    "https": "crawler.politeness.PoliteDownloadHandler",
}
# Mirrors (tests, offline demos): with CYWATCH_MIRROR, crawler/deployment.py installs the mirror's download
# handler (the polite one, sending to the mirror) and drops the delays; stored URLs stay real.
CYWATCH_MIRROR = ""
ADDONS = {"crawler.deployment.FromEnvironment": 0}  # `scrapy crawl`: the settings object, from the environment

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.BlockedDetectionMiddleware": 560,
    "crawler.middlewares.ConditionalRequestMiddleware": 580,
    "crawler.middlewares.CharsetMiddleware": 585,
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Relevance and extraction run in this many worker processes, off the reactor's thread and the GIL
# (crawler/pipelines.py), started when a spider links its first article; 0: on the storing thread, in the
# crawl's process.
CYWATCH_EXTRACT_PROCESSES = 1
EXTENSIONS = {
    "crawler.extensions.CrawlRunRecorder": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,  # no listening ports for a batch job
}

# How far back lists are paged when nothing stored stops them first, and the relevance bar.
CYWATCH_MAX_LIST_PAGES = 30
CYWATCH_FIRST_CRAWL_DAYS = 3
CYWATCH_MAX_CATCHUP_DAYS = 14  # without --since, never go back further than this
CYWATCH_RELEVANCE_THRESHOLD = 2.0
CYWATCH_PROGRESS_INTERVAL = 10.0  # CYWATCH_PROGRESS_INTERVAL

LOG_LEVEL = "INFO"  # CYWATCH_LOG_LEVEL
FEED_EXPORT_ENCODING = "utf-8"
