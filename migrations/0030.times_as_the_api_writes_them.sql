-- Times as the API writes them, made by the server for the lists that run most: asyncpg makes a
-- Python datetime of every timestamptz (a timedelta added to an epoch, 6k instructions each), and
-- the JSON encoder writes each back out as text. A page of 20 tickets carries up to 63 of them:
-- a fifth of the service's instructions for a worker's list. Text costs asyncpg a string and the
-- encoder a copy.
-- depends: 0029.nobody_to_tell

-- What the JSON encoder writes for the same time (orjson, OPT_UTC_Z): ISO 8601 in UTC with a Z,
-- the microseconds in six digits unless they are all zero. Inlined into a statement's plan.
CREATE FUNCTION api_time(p_moment timestamptz) RETURNS text
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT to_char(p_moment AT TIME ZONE 'UTC',
                   CASE WHEN date_trunc('second', p_moment) = p_moment
                        THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
                        ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END)
$$;

COMMENT ON FUNCTION api_time(timestamptz) IS
    'A time as the API writes it: ISO 8601 in UTC with a Z, microseconds unless zero (as orjson with OPT_UTC_Z).';
