EXPLAIN SELECT auction, bidder, price
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY ts DESC) AS rn FROM bid)
WHERE rn = 1;
