-- @param $1 from timestamptz: start
-- @param $2 to timestamptz: end
-- @include a.sql
SELECT ${from}, ${to} FROM t WHERE x = $2
--8<--
-- @include fragments/b.sql
WITH a AS (SELECT ${from})
--8<--
SELECT $1 -- ${to}
