-- How the periods of a comparison compare is decided by one rule, db/periods.py, and stored (issue 12): the
-- digest, `cywatch diff` and the web read the stored answer, never a second one worked out in SQL.
-- `year_on_year` joins the relations: the same span of another year.
ALTER TABLE indicator_changes DROP CONSTRAINT indicator_changes_period_relation_check;
ALTER TABLE indicator_changes ADD CONSTRAINT indicator_changes_period_relation_check
    CHECK (period_relation IN ('same', 'later', 'earlier', 'year_on_year', 'unknown'));

-- false: the rule has not been applied to this comparison yet. Every comparison stored before this
-- migration is false, so the next diff applies the rule to them once; a later change of the rule sets
-- them false again in a migration of its own. Only comparisons that met a baseline figure are read.
ALTER TABLE indicator_changes ADD COLUMN periods_settled boolean NOT NULL DEFAULT false;
CREATE INDEX indicator_changes_periods_unsettled ON indicator_changes (id)
    WHERE NOT periods_settled AND baseline_observation_id IS NOT NULL;
