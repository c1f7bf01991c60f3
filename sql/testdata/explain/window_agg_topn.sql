EXPLAIN SELECT window_start, auction, n FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY n DESC) AS rn
  FROM (SELECT window_start, window_end, auction, COUNT(*) AS n
        FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
        GROUP BY window_start, window_end, auction)
) WHERE rn <= 5;
