-- observations_latest served a "latest value of a metric" query that no code runs; the diff's lookup of the
-- latest earlier figure walks observations_key_published (0003). An unused index costs every insert.
DROP INDEX IF EXISTS observations_latest;
