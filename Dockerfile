# chengyu-watch: one image for every service (the scheduler, the web endpoint, one-off commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CYWATCH_DATA_DIR=/data \
    TZ=Asia/Shanghai

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin cywatch \
    && mkdir /data && chown cywatch /data
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg ./
COPY cywatch cywatch
COPY crawler crawler
COPY db db
COPY alerts alerts
COPY scheduler scheduler
# What `cywatch mirror` serves by default: the bundled copy of the sites, for an offline trial.
COPY tests/fixtures/sites tests/fixtures/sites
# Not the `embedded` extra (an embedded PostgreSQL): compose always gives the app a database server.
RUN pip install . && python -c "import crawler.extract.lexicon as l; l.tokenizer()"
USER cywatch
VOLUME ["/data"]
ENTRYPOINT ["cywatch"]
CMD ["--help"]
