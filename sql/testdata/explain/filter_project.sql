EXPLAIN SELECT auction, price * 2 AS doubled, UPPER(bidder) AS who FROM bid WHERE price > 10;
