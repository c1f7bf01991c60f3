SET 'parallelism.default' = '2';
EXPLAIN INSERT INTO counts SELECT auction, COUNT(DISTINCT bidder) FROM bid WHERE bidder IS NOT NULL GROUP BY auction;
