-- delist server schema, version 2: the daily rollup the trend charts read, so that drawing a
-- list's trend costs one row per day with a change, not a scan of every evaluation.

-- Per list and day (YYYY-MM-DD, UTC): the net change that day of the hosts the list affects (a
-- host is affected while its latest evaluation has a live finding the list covers). Hosts
-- affected at the end of day D = the sum of `delta` over the days up to D. The writer keeps it
-- in the transaction that records each evaluation; migration 2 fills it from the evaluations
-- already stored.
CREATE TABLE list_days (
    list TEXT NOT NULL,
    day TEXT NOT NULL,
    delta BIGINT NOT NULL,
    PRIMARY KEY (list, day)
);

-- The trend starts on the day of the first evaluation of any host.
CREATE INDEX evaluations_at ON evaluations (at);
