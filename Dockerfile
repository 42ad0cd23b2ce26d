# chengyu-watch: one image for every service (scheduler, web, one-off commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    CYWATCH_DATA_DIR=/data TZ=Asia/Shanghai
RUN useradd --create-home --uid 10001 cywatch && mkdir /data && chown cywatch /data
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg* ./
COPY cywatch cywatch
COPY crawler crawler
COPY db db
COPY alerts alerts
COPY scheduler scheduler
RUN pip install .
USER cywatch
ENTRYPOINT ["cywatch"]
CMD ["--help"]
