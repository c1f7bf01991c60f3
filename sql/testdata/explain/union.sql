EXPLAIN SELECT auction FROM bid WHERE price < 5 UNION ALL SELECT auction FROM bid WHERE price > 50;
