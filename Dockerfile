# chengyu-watch: one image for every service (the scheduler, the web endpoint, one-off commands), and a crawl
# node image on top of it (target `scrapyd`, compose profile `scale`).
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CYWATCH_DATA_DIR=/data \
    TZ=Asia/Shanghai

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin cywatch \
    && mkdir /data && chown cywatch /data
WORKDIR /app
COPY pyproject.toml setup.py README.md scrapy.cfg ./
COPY cywatch cywatch
COPY crawler crawler
COPY db db
COPY alerts alerts
COPY scheduler scheduler
COPY settings settings
COPY devtools devtools
# What `cywatch mirror` serves by default: the bundled copy of the sites, for an offline trial.
COPY tests/fixtures/sites tests/fixtures/sites
# Not the `embedded` extra (an embedded PostgreSQL): compose always gives the app a database server.
RUN pip install . && python -c "import crawler.extract.lexicon as l; l.tokenizer()"
USER cywatch
VOLUME ["/data"]
ENTRYPOINT ["cywatch"]
CMD ["--help"]

# A crawl node: Scrapyd (the `scale` extra) running the spiders of the egg built here, /app/chengyu-watch.egg,
# which `python -m crawler.scrapyd deploy` sends to every node (README, For operators: crawl nodes). Scrapyd
# keeps its eggs, logs and job queue under /data (compose: the node's volume); SCRAPYD_USERNAME and
# SCRAPYD_PASSWORD set its basic auth.
FROM app AS scrapyd
USER root
RUN pip install ".[scale]" && scrapyd-deploy --build-egg /app/chengyu-watch.egg && rm -rf build *.egg-info
USER cywatch
WORKDIR /data
ENTRYPOINT []
CMD ["scrapyd"]
